from django.urls import path

from . import views

app_name = "risk"

urlpatterns = [
    path("", views.RiskDashboardView.as_view(), name="dashboard"),
    path("alerts/", views.RiskAlertListView.as_view(), name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="alert-ack"),
    path("proposals/<int:pk>/decide/", views.ProposalDecideView.as_view(), name="proposal-decide"),
    path("industries/", views.IndustryListView.as_view(), name="industries"),
    path("industries/<int:pk>/outlook/", views.IndustryOutlookView.as_view(), name="industry-outlook"),
    path("settings/", views.RiskSettingsView.as_view(), name="settings"),
]
