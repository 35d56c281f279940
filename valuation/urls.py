from django.urls import path

from . import views

app_name = "valuation"

urlpatterns = [
    path("", views.ValuationReportView.as_view(), name="report"),
    path("rescore/", views.RescoreAllView.as_view(), name="rescore"),
    path("status/", views.RunStatusView.as_view(), name="status"),
    path("customers/<int:customer_id>/rescore/", views.RescoreCustomerView.as_view(), name="rescore-customer"),
    path("holdout/", views.HoldoutView.as_view(), name="holdout"),
]
