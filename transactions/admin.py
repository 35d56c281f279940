from django.contrib import admin

from .models import Allocation, Payment, PaymentMethod, Sale


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "fee_rate", "fixed_fee", "settlement_days", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_en")


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    readonly_fields = ("payment", "sale", "amount", "applied_on")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    """Read-mostly: sales are recorded and voided through the app, which keeps allocations right."""

    list_display = ("id", "customer", "occurred_at", "product", "amount", "due_date", "is_void")
    list_filter = ("is_void", "occurred_at")
    search_fields = ("customer__name", "product")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "created_by", "voided_by")
    readonly_fields = (
        "customer",
        "amount",
        "occurred_at",
        "due_date",
        "is_void",
        "void_reason",
        "voided_at",
        "voided_by",
        "created_by",
        "created_at",
    )
    inlines = [AllocationInline]

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments are recorded (and refunded) through the app, never edited in place."""

    list_display = ("id", "customer", "kind", "received_at", "amount", "method", "fee", "settles_on")
    list_filter = ("kind", "method", "received_at")
    search_fields = ("customer__name", "reference")
    list_select_related = ("customer", "method")
    inlines = [AllocationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("payment", "sale", "amount", "applied_on")
    search_fields = ("sale__customer__name",)
    list_select_related = ("payment", "sale")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
