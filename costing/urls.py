from django.urls import path

from . import views

app_name = "costing"

urlpatterns = [
    path("costs/", views.CostEntryListView.as_view(), name="costs"),
    path("customers/<int:customer_id>/costs/new/", views.CostEntryCreateView.as_view(), name="cost-create"),
    path("profitability/", views.ProfitabilityReportView.as_view(), name="profitability"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/new/", views.CampaignFormView.as_view(), name="campaign-create"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.CampaignFormView.as_view(), name="campaign-update"),
]
