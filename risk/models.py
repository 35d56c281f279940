from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from custnotes.money import money_field
from customers.choices import Competition, Outlook
from customers.models import Customer, Industry
from valuation.models import ValuationRun

from .choices import AlertKind, Level, ProposalStatus


class CreditAssessment(models.Model):
    """A customer's risk as of a scoring run: the credit components, level, reasons and action,
    plus churn, concentration and the industry's market risk."""

    run = models.ForeignKey(ValuationRun, on_delete=models.CASCADE, related_name="credit_assessments")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="credit_assessments")
    as_of = models.DateField(_("as of"), db_index=True)
    open_total = money_field(_("open receivables"), default=0)
    not_due = money_field(_("Not yet due"), default=0)
    d1_30 = money_field(_("1–30 days"), default=0)
    d31_60 = money_field(_("31–60 days"), default=0)
    d61_90 = money_field(_("61–90 days"), default=0)
    over_90 = money_field(_("Over 90 days"), default=0)
    credit_limit = money_field(_("credit limit"), default=0)
    utilisation = models.DecimalField(_("utilisation"), max_digits=12, decimal_places=4, null=True, blank=True)
    late_share = models.DecimalField(_("paid late (T12M)"), max_digits=5, decimal_places=4, null=True, blank=True)
    dso = models.DecimalField(_("DSO (days)"), max_digits=9, decimal_places=1, null=True, blank=True)
    level = models.CharField(_("credit risk"), max_length=8, choices=Level.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    action = models.CharField(_("recommended action"), max_length=20)
    market_level = models.CharField(_("market risk"), max_length=8, choices=Level.choices)
    # What the market level was judged on: the industry's name, outlook and competition then, and
    # the money exposed (open receivables, T12M revenue), for the reason to name its figures.
    market_reason = models.JSONField(_("market risk reason"), default=dict, blank=True)
    concentration_share = models.DecimalField(
        _("share of portfolio revenue"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    churn_risk = models.BooleanField(_("churn risk"), default=False)
    churn_reason = models.JSONField(_("churn reason"), default=dict, blank=True)
    worst_level = models.CharField(_("worst risk"), max_length=8, choices=Level.choices)

    class Meta:
        ordering = ["-as_of", "customer_id"]
        verbose_name = _("credit assessment")
        verbose_name_plural = _("credit assessments")
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="credit_assessment_one_per_run")]
        indexes = [models.Index(fields=["customer", "as_of"])]

    def __str__(self):
        return f"{self.customer} @ {self.as_of:%Y-%m-%d}: {self.level}"


class IndustryRisk(models.Model):
    """An industry's market risk as of a scoring run."""

    run = models.ForeignKey(ValuationRun, on_delete=models.CASCADE, related_name="industry_risks")
    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="risks")
    as_of = models.DateField(_("as of"))
    outlook = models.CharField(_("outlook"), max_length=16, choices=Outlook.choices)
    competition = models.CharField(_("competition"), max_length=16, choices=Competition.choices)
    level = models.CharField(_("market risk"), max_length=8, choices=Level.choices)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    t12m_revenue = money_field(_("T12M revenue"), default=0)

    class Meta:
        ordering = ["-as_of", "industry__name"]
        verbose_name = _("industry market risk")
        verbose_name_plural = _("industry market risks")
        constraints = [models.UniqueConstraint(fields=["run", "industry"], name="industry_risk_one_per_run")]

    def __str__(self):
        return f"{self.industry} @ {self.as_of:%Y-%m-%d}: {self.level}"


class IndustryChange(models.Model):
    """Who changed an industry's outlook or competition, when, and why."""

    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    old_outlook = models.CharField(_("outlook before"), max_length=16, choices=Outlook.choices)
    new_outlook = models.CharField(_("outlook"), max_length=16, choices=Outlook.choices)
    old_competition = models.CharField(_("competition before"), max_length=16, choices=Competition.choices)
    new_competition = models.CharField(_("competition"), max_length=16, choices=Competition.choices)
    reason = models.CharField(_("why"), max_length=300)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("industry change")
        verbose_name_plural = _("industry changes")

    def __str__(self):
        return f"{self.industry} {self.changed_at:%Y-%m-%d}"


class RiskAlert(models.Model):
    """A risk someone should act on. Opened and resolved by the scoring run (one open alert per
    customer and kind at most), acknowledged by a user with a note, assigned to the owner."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="risk_alerts")
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_alerts",
        verbose_name=_("assigned to"),
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    opened_as_of = models.DateField(_("first seen as of"))
    last_seen_as_of = models.DateField(_("last seen as of"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledgement = models.CharField(_("acknowledgement note"), max_length=300, blank=True)

    class Meta:
        ordering = ["resolved_at", "-opened_at", "-pk"]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="risk_alert_one_open_per_cause",
            )
        ]
        # the navigation badge on every page: open, unacknowledged alerts (of the user's customers)
        indexes = [
            models.Index(
                fields=["customer"],
                condition=Q(resolved_at__isnull=True, acknowledged_at__isnull=True),
                name="risk_alert_waiting",
            )
        ]

    def __str__(self):
        return f"{self.customer}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CreditProposal(models.Model):
    """A credit policy proposed from the recommended action, decided by Finance; approval applies it."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="credit_proposals")
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    level = models.CharField(_("credit risk"), max_length=8, choices=Level.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    Level = Level  # the levels, by name, for templates too (proposal.Level.LOW)
    # The assessment the level and reasons come from; a pending proposal follows the latest one.
    as_of = models.DateField(_("assessed as of"), null=True, blank=True)
    current_limit = money_field(_("current credit limit"))
    current_terms_days = models.PositiveSmallIntegerField(_("current payment terms (days)"))
    credit_limit = money_field(_("proposed credit limit"))
    payment_terms_days = models.PositiveSmallIntegerField(_("proposed payment terms (days)"))
    require_prepayment = models.BooleanField(_("prepayment required"), default=False)
    require_guarantee = models.BooleanField(_("guarantee required"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("credit proposal")
        verbose_name_plural = _("credit proposals")
        permissions = [("decide_creditproposal", _("Can approve or reject credit proposals"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(status="pending"), name="credit_proposal_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.customer}: {self.get_status_display()}"


class CreditPolicy(models.Model):
    """What approved proposals require of a customer beyond limit and terms."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="credit_policy")
    require_prepayment = models.BooleanField(_("prepayment required"), default=False)
    require_guarantee = models.BooleanField(_("guarantee required"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("credit policy")
        verbose_name_plural = _("credit policies")

    def __str__(self):
        return str(self.customer)


class RiskSettings(models.Model):
    """Deployment-wide risk settings (one row), changed by Finance."""

    block_risky_sales = models.BooleanField(
        _("block risky sales"),
        default=False,
        help_text=_("Refuse a sale over the credit limit or for a customer at high credit risk, instead of warning."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("risk settings")
        verbose_name_plural = _("risk settings")
        permissions = [("change_risk_settings", _("Can change the risk settings"))]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "RiskSettings":
        return cls.objects.get_or_create(pk=1)[0]
