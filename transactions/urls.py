app_name = "transactions"

urlpatterns: list = []
