app_name = "costing"

urlpatterns: list = []
