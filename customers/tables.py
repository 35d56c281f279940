import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from custnotes.tables import MoneyColumn, format_person

from .models import Customer


class CustomerTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("customer name"))
    owner = tables.Column(verbose_name=_("owner"), order_by=("owner__username",))
    credit_limit = MoneyColumn(verbose_name=_("credit limit"))
    tags = tables.ManyToManyColumn(verbose_name=_("tags"), orderable=False)

    class Meta:
        model = Customer
        fields = (
            "id",
            "name",
            "company",
            "contact_person",
            "phone",
            "email",
            "address",
            "industry",
            "customer_type",
            "team",
            "owner",
            "credit_limit",
            "payment_terms_days",
            "growth_rating",
            "tags",
            "is_archived",
            "last_reviewed_on",
            "created_at",
            "updated_at",
        )
        order_by = ("name",)
        empty_text = _("No customers match these filters.")

    def render_owner(self, value):
        return format_person(value)

    def value_owner(self, value):
        return format_person(value)

    def value_tags(self, value):
        return ", ".join(tag.name for tag in value.all())
