app_name = "cockpit"
urlpatterns: list = []
