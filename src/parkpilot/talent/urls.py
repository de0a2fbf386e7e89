from django.urls import path

from parkpilot.talent import views

app_name = "talent"
urlpatterns = [
    path("", views.pool_overview, name="pool"),
    path("loans.xlsx", views.loans_xlsx, name="loans_xlsx"),
    path("loans/<int:loan_id>/", views.loan_page, name="loan"),
    path("loans/<int:loan_id>/<str:step>/", views.loan_step, name="loan_step"),
    path("bank/", views.bank_desk, name="bank"),
    path("bank/loans.xlsx", views.bank_loans_xlsx, name="bank_loans_xlsx"),
    path("bank/<int:loan_id>/", views.bank_loan_page, name="bank_loan"),
    path("mine/", views.my_loans, name="mine"),
    path("mine/apply/", views.loan_application, name="apply"),
]
