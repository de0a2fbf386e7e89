from django.urls import path

from example_app import views

app_name = "example"
urlpatterns = [path("", views.hello, name="hello")]
