from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from custnotes.fields import recorded_by_field
from custnotes.identity import import_id_field
from custnotes.money import MoneyField, money_field
from customers.models import Customer

from .calculations import CONTRIBUTION, GROSS_MARGIN, MARGIN_RATIO, ROI_RATIO, signed_sum
from .choices import AllocationRule, CostFamily


def _ratio_key(ratio) -> Case:
    """A ratio of costing.calculations as a float the database sorts by: NULL where it has none."""
    terms, denominator = ratio
    return Case(
        When(**{denominator: 0}, then=Value(None)),
        default=Cast(signed_sum(terms, F), models.FloatField()) / F(denominator),
    )


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


class CustomerFigures(models.Model):
    """A customer's running profit figures over the 365 days ending on `as_of` (the T12M of DESIGN's
    "Definitions"), stored so that the profitability report sorts and pages them in SQL.

    Computed by the one formula source (selectors.pnl_by_customer) and only by
    services.figures_refresh: inside the transaction of every write that touches the customer (the
    registry's change listener), and for everyone each night, when the window moves on. They are
    used only while `as_of` is today; `manage.py check_customer_figures [--fix]` compares them with
    the source and reports any drift."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="figures", verbose_name=_("customer")
    )
    as_of = models.DateField(_("as of"), db_index=True)
    revenue = money_field(_("revenue"), default=0)
    cost_of_goods = money_field(_("cost of goods"), default=0)
    cost_unknown_revenue = money_field(_("revenue without cost of goods"), default=0)
    payment_fees = money_field(_("payment fees"), default=0)
    marketing_cost = money_field(_("marketing cost"), default=0)
    service_cost = money_field(_("service cost"), default=0)

    # what the report sorts by, worked out by the database from the figures above (the ratios only
    # order rows: the figures shown are ProfitAndLoss's, rounded half-up)
    gross_margin = models.GeneratedField(
        expression=signed_sum(GROSS_MARGIN, F), output_field=MoneyField(), db_persist=True
    )
    contribution_profit = models.GeneratedField(
        expression=signed_sum(CONTRIBUTION, F), output_field=MoneyField(), db_persist=True
    )
    margin_key = models.GeneratedField(
        expression=_ratio_key(MARGIN_RATIO), output_field=models.FloatField(null=True), db_persist=True
    )
    roi_key = models.GeneratedField(
        expression=_ratio_key(ROI_RATIO), output_field=models.FloatField(null=True), db_persist=True
    )

    FIGURES = ("revenue", "cost_of_goods", "cost_unknown_revenue", "payment_fees", "marketing_cost", "service_cost")
    SORTED = (*FIGURES, "gross_margin", "contribution_profit")

    class Meta:
        verbose_name = _("customer figures")
        verbose_name_plural = _("customer figures")
        # one index per sort of the report (a page of the sorted rows reads 50 entries, not 100,000
        # rows)
        indexes = [
            models.Index(fields=["revenue"], name="figures_revenue"),
            models.Index(fields=["cost_of_goods"], name="figures_cost_of_goods"),
            models.Index(fields=["cost_unknown_revenue"], name="figures_cost_unknown_revenue"),
            models.Index(fields=["payment_fees"], name="figures_payment_fees"),
            models.Index(fields=["marketing_cost"], name="figures_marketing_cost"),
            models.Index(fields=["service_cost"], name="figures_service_cost"),
            models.Index(fields=["gross_margin"], name="figures_gross_margin"),
            models.Index(fields=["contribution_profit"], name="figures_contribution_profit"),
            # and on PostgreSQL, for the ratios both ways with the missing ones last ("… NULLS LAST",
            # which SQLite's indexes do not take): migration costing 0007, NULLS_LAST_INDEXES
        ]

    def __str__(self):
        return f"{self.customer_id} @ {self.as_of}"
