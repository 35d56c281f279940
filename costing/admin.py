from django import forms
from django.contrib import admin

from . import services
from .models import Campaign, CampaignAllocation, CostCategory, CostEntry


@admin.register(CostCategory)
class CostCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "family", "is_active")
    list_filter = ("family", "is_active")
    search_fields = ("name", "name_en")


class CostEntryAdminForm(forms.ModelForm):
    """The service's rules on the admin's form, so that a wrong entry is a message on the form."""

    class Meta:
        model = CostEntry
        fields = ("customer", "category", "amount", "date", "note", "external_id")

    def clean(self):
        data = super().clean()
        problems = services.cost_entry_problems(
            amount=data.get("amount"), date=data.get("date"), category=data.get("category"), user=self.user
        )
        for field, message in problems.items():
            self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(CostEntry)
class CostEntryAdmin(admin.ModelAdmin):
    form = CostEntryAdminForm
    list_display = ("date", "customer", "category", "amount", "created_by")
    list_filter = ("category__family", "category", "date")
    search_fields = ("customer__name", "note")
    list_select_related = ("customer", "category", "created_by")
    raw_id_fields = ("customer", "created_by")
    readonly_fields = ("created_by",)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Through the service's batch write, as the import: its rules (amount, date, category for this
        user) and the user's scope; a new entry is recorded by this user."""
        result = services.cost_entry_record_many(
            rows=[
                services.CostRow(
                    external_id=obj.external_id,
                    pk=obj.pk,
                    customer_id=obj.customer_id,
                    category_id=obj.category_id,
                    amount=obj.amount,
                    date=obj.date,
                    note=obj.note,
                )
            ],
            user=request.user,
        )
        if result.created:
            obj.pk, obj.created_by = result.created[0].pk, request.user


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
