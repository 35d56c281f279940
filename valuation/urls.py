app_name = "valuation"

urlpatterns: list = []
