from django.urls import path

from . import views

app_name = "transactions"

urlpatterns = [
    path("sales/", views.SaleListView.as_view(), name="sales"),
    path("sales/<int:pk>/", views.SaleDetailView.as_view(), name="sale-detail"),
    path("payments/", views.PaymentListView.as_view(), name="payments"),
    path("payments/<int:pk>/refund/", views.RefundCreateView.as_view(), name="refund-create"),
    path("aging/", views.AgingReportView.as_view(), name="aging"),
    path("customers/<int:customer_id>/sales/new/", views.SaleCreateView.as_view(), name="sale-create"),
    path("customers/<int:customer_id>/payments/new/", views.PaymentCreateView.as_view(), name="payment-create"),
    path("customers/<int:customer_id>/statement.xlsx", views.StatementExportView.as_view(), name="statement"),
    path("methods/", views.PaymentMethodListView.as_view(), name="methods"),
    path("methods/new/", views.PaymentMethodFormView.as_view(), name="method-create"),
    path("methods/<int:pk>/", views.PaymentMethodFormView.as_view(), name="method-update"),
]
