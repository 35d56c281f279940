from django.contrib import admin

from .models import (
    CreditAssessment,
    CreditPolicy,
    CreditProposal,
    IndustryChange,
    IndustryRisk,
    RiskAlert,
    RiskSettings,
)


@admin.register(CreditAssessment)
class CreditAssessmentAdmin(admin.ModelAdmin):
    list_display = ("customer", "as_of", "level", "open_total", "over_90", "late_share", "dso", "worst_level")
    list_filter = ("level", "worst_level", "as_of")
    search_fields = ("customer__name",)
    list_select_related = ("customer",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndustryRisk)
class IndustryRiskAdmin(admin.ModelAdmin):
    list_display = ("industry", "as_of", "outlook", "competition", "level", "customers", "t12m_revenue")
    list_filter = ("level", "as_of")

    def has_add_permission(self, request):
        return False


@admin.register(IndustryChange)
class IndustryChangeAdmin(admin.ModelAdmin):
    list_display = (
        "industry",
        "changed_at",
        "changed_by",
        "old_outlook",
        "new_outlook",
        "old_competition",
        "new_competition",
        "reason",
    )
    list_filter = ("industry",)
    search_fields = ("industry__name", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RiskAlert)
class RiskAlertAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "level", "assigned_to", "opened_at", "acknowledged_by", "resolved_at")
    list_filter = ("kind", "level", "resolved_at")
    search_fields = ("customer__name", "acknowledgement")
    list_select_related = ("customer", "assigned_to", "acknowledged_by")
    raw_id_fields = ("customer", "assigned_to", "acknowledged_by")


@admin.register(CreditProposal)
class CreditProposalAdmin(admin.ModelAdmin):
    list_display = (
        "customer",
        "created_at",
        "level",
        "credit_limit",
        "payment_terms_days",
        "status",
        "decided_by",
    )
    list_filter = ("status", "level")
    search_fields = ("customer__name",)
    list_select_related = ("customer", "decided_by")
    raw_id_fields = ("customer", "decided_by")


@admin.register(CreditPolicy)
class CreditPolicyAdmin(admin.ModelAdmin):
    list_display = ("customer", "require_prepayment", "require_guarantee", "updated_at")
    search_fields = ("customer__name",)
    raw_id_fields = ("customer",)


@admin.register(RiskSettings)
class RiskSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "block_risky_sales", "updated_at")
