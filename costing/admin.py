from django.contrib import admin

from .models import Campaign, CampaignAllocation, CostCategory, CostEntry


@admin.register(CostCategory)
class CostCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "family", "is_active")
    list_filter = ("family", "is_active")
    search_fields = ("name", "name_en")


@admin.register(CostEntry)
class CostEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "customer", "category", "amount", "created_by")
    list_filter = ("category__family", "category", "date")
    search_fields = ("customer__name", "note")
    list_select_related = ("customer", "category", "created_by")
    raw_id_fields = ("customer", "created_by")


class CampaignAllocationInline(admin.TabularInline):
    model = CampaignAllocation
    extra = 0
    readonly_fields = ("customer", "amount", "weight")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Campaigns are edited in the app, which recomputes the allocation; here they are read."""

    list_display = ("name", "starts_on", "ends_on", "total_cost", "category", "allocation_rule")
    list_filter = ("allocation_rule", "category", "starts_on")
    search_fields = ("name", "note")
    readonly_fields = ("total_cost", "allocation_rule", "targets")
    inlines = [CampaignAllocationInline]


@admin.register(CampaignAllocation)
class CampaignAllocationAdmin(admin.ModelAdmin):
    list_display = ("campaign", "customer", "amount", "weight")
    search_fields = ("campaign__name", "customer__name")
    list_select_related = ("campaign", "customer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
