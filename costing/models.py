from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from custnotes.fields import recorded_by_field
from custnotes.identity import import_id_field
from custnotes.money import money_field
from customers.models import Customer

from .choices import AllocationRule, CostFamily


class CostCategory(models.Model):
    """A kind of cost (advertising, gifts, repairs, ...), in the marketing or the service family."""

    name = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    family = models.CharField(_("family"), max_length=16, choices=CostFamily.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["family", "name"]
        verbose_name = _("cost category")
        verbose_name_plural = _("cost categories")

    def __str__(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class CostEntry(models.Model):
    """A cost spent on one customer: to win them (marketing) or to serve them (service)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="cost_entries", verbose_name=_("customer")
    )
    category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="entries", verbose_name=_("category")
    )
    amount = money_field(_("amount"), validators=[MinValueValidator(0)])
    date = models.DateField(_("date"), db_index=True)
    external_id = import_id_field()
    note = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = recorded_by_field()
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("cost entry")
        verbose_name_plural = _("cost entries")
        permissions = [("add_marketing_cost", _("Can record marketing costs"))]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="cost_entry_amount_positive")]
        indexes = [models.Index(fields=["customer", "date"])]

    def __str__(self):
        return f"{self.category} {self.amount} ({self.date})"


class Campaign(models.Model):
    """A marketing campaign whose total cost is shared among its target customers.

    The shares are stored (CampaignAllocation) whenever the campaign or its targets change, and
    always add up exactly to the total; in profit figures they count on the campaign's start date.
    """

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    total_cost = money_field(_("total cost"), validators=[MinValueValidator(0)])
    category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("category")
    )
    Rule = AllocationRule  # the allocation rules, by name, for templates too (campaign.Rule.REVENUE)
    allocation_rule = models.CharField(
        _("cost split"), max_length=16, choices=AllocationRule.choices, default=AllocationRule.EQUAL
    )
    targets = models.ManyToManyField(Customer, related_name="campaigns", blank=True, verbose_name=_("target customers"))
    note = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = recorded_by_field()
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(condition=models.Q(total_cost__gt=0), name="campaign_total_positive"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("costing:campaign-detail", args=[self.pk])


class CampaignAllocation(models.Model):
    """One target customer's share of a campaign's cost."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="allocations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="campaign_allocations")
    amount = money_field(_("amount"))
    weight = money_field(_("revenue in period"), default=0)

    class Meta:
        verbose_name = _("campaign allocation")
        verbose_name_plural = _("campaign allocations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_allocation_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="campaign_allocation_not_negative"),
        ]

    def __str__(self):
        return f"{self.campaign} → {self.customer}: {self.amount}"
