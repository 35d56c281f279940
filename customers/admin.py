from django.contrib import admin

from . import services
from .models import Customer, Industry, Note, Tag, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "is_default", "member_count")
    search_fields = ("name", "members__username")
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description="#", ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "outlook", "competition", "outlook_factor", "template")
    list_filter = ("outlook", "competition", "template")
    search_fields = ("name", "name_en")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class NoteInline(admin.TabularInline):
    model = Note
    extra = 0
    fields = ("created_at", "author", "text")
    readonly_fields = ("created_at",)
    raw_id_fields = ("author",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "company",
        "customer_type",
        "industry",
        "team",
        "owner",
        "credit_limit",
        "payment_terms_days",
        "is_archived",
        "updated_at",
    )
    list_filter = ("customer_type", "team", "industry", "is_archived", "tags")
    search_fields = ("name", "company", "contact_person", "phone", "email")
    list_select_related = ("industry", "team", "owner")
    raw_id_fields = ("owner",)
    filter_horizontal = ("tags",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [NoteInline]

    def save_model(self, request, obj, form, change):
        """Through the service, as from the pages: its validation (full_clean) and save."""
        services.customer_update(customer=obj, data={})


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("customer", "author", "created_at")
    search_fields = ("customer__name", "text")
    list_filter = ("created_at",)
    list_select_related = ("customer", "author")
    raw_id_fields = ("customer", "author")
