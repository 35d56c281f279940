from django.contrib import admin

from .models import CustomerValuation, ValuationRun


@admin.register(ValuationRun)
class ValuationRunAdmin(admin.ModelAdmin):
    list_display = (
        "as_of",
        "status",
        "unit",
        "customers",
        "fitted_customers",
        "bgnbd_log_likelihood",
        "duration_ms",
        "finished_at",
    )
    list_filter = ("status", "unit")
    readonly_fields = [f.name for f in ValuationRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CustomerValuation)
class CustomerValuationAdmin(admin.ModelAdmin):
    list_display = ("customer", "as_of", "tier", "segment", "current_value", "p_alive", "potential_value")
    list_filter = ("tier", "segment", "as_of")
    search_fields = ("customer__name",)
    list_select_related = ("customer",)
    readonly_fields = [f.name for f in CustomerValuation._meta.fields]

    def has_add_permission(self, request):
        return False
