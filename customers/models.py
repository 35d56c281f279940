from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from custnotes.identity import import_id_field
from custnotes.money import money_field

from .choices import Competition, CustomerType, GrowthRating, IndustryTemplate, Outlook
from .validators import MAX_PAYMENT_TERMS_DAYS, NEGATIVE_CREDIT_LIMIT, PAYMENT_TERMS_RANGE, validate_phone

# The outlook factor potential value uses when an industry sets none (DESIGN.md).
DEFAULT_OUTLOOK_FACTORS = {Outlook.GROWING: "1.20", Outlook.STABLE: "1.00", Outlook.DECLINING: "0.80"}


class Team(models.Model):
    """A sales team. Users belong to teams; each customer belongs to one team. One team is the
    deployment's default (created by a migration, renamable): imported customers that name no team
    go there when the importer does not work in exactly one team."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("members")
    )
    is_default = models.BooleanField(
        _("default team"), default=False, help_text=_("Imported customers without a team go here.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team")
        ]

    def __str__(self):
        return self.name


class Industry(models.Model):
    """An industry with the market view that feeds market risk and potential value."""

    name = models.CharField(_("name (Chinese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    outlook = models.CharField(_("outlook"), max_length=16, choices=Outlook.choices, default=Outlook.STABLE)
    competition = models.CharField(
        _("competition"), max_length=16, choices=Competition.choices, default=Competition.MEDIUM
    )
    outlook_factor = models.DecimalField(
        _("outlook factor"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Multiplies potential value. Empty: 1.20 growing, 1.00 stable, 0.80 declining."),
    )
    template = models.CharField(
        _("industry template"),
        max_length=16,
        choices=IndustryTemplate.choices,
        default=IndustryTemplate.NONE,
        blank=True,
        help_text=_("Adds the template's extra fields to customers of this industry."),
    )
    custom_fields = models.TextField(
        _("custom fields"),
        blank=True,
        help_text=_("For the custom template: one field label per line."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outlook_factor__isnull=True) | models.Q(outlook_factor__gt=0, outlook_factor__lte=5),
                name="industry_outlook_factor_range",
                violation_error_message=_("The outlook factor must be above 0 and at most 5."),
            ),
        ]

    def __str__(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def effective_outlook_factor(self):
        from decimal import Decimal

        if self.outlook_factor is not None:
            return self.outlook_factor
        return Decimal(DEFAULT_OUTLOOK_FACTORS.get(self.outlook, "1.00"))


class Tag(models.Model):
    """A free label on customers (key account, export, government, ...)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Customer(models.Model):
    """A customer: the subject of one notebook. Financial records point here with PROTECT."""

    name = models.CharField(_("customer name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("industry"),
    )
    customer_type = models.CharField(
        _("customer type"), max_length=16, choices=CustomerType.choices, default=CustomerType.PROSPECT
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="customers", verbose_name=_("team"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    credit_limit = money_field(
        _("credit limit"),
        default=0,
        validators=[MinValueValidator(0, message=NEGATIVE_CREDIT_LIMIT)],
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS, message=PAYMENT_TERMS_RANGE)],
    )
    growth_rating = models.PositiveSmallIntegerField(
        _("growth potential"), choices=GrowthRating.choices, default=GrowthRating.AVERAGE
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    extra = models.JSONField(_("industry fields"), default=dict, blank=True)
    external_id = import_id_field()
    is_archived = models.BooleanField(_("archived"), default=False)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_all_customers", _("Can see the customers of every team")),
            ("change_credit_terms", _("Can change credit limits and payment terms")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("company"),
                Lower("name"),
                name="customer_unique_name_per_company",
                violation_error_message=_("A customer with this name already exists in this company."),
            ),
            models.CheckConstraint(
                condition=models.Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
                violation_error_message=NEGATIVE_CREDIT_LIMIT,
            ),
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__lte=MAX_PAYMENT_TERMS_DAYS),
                name="customer_payment_terms_at_most_365",
                violation_error_message=PAYMENT_TERMS_RANGE,
            ),
            models.CheckConstraint(
                condition=models.Q(growth_rating__gte=1, growth_rating__lte=5),
                name="customer_growth_rating_1_to_5",
                violation_error_message=_("Growth potential is rated from 1 to 5."),
            ),
        ]
        indexes = [
            models.Index(fields=["team", "name"]),
            models.Index(fields=["customer_type"]),
            models.Index(fields=["name", "id"], name="customer_by_name"),  # the list's order
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])


class Note(models.Model):
    """A timestamped, authored note on a customer: the "notes" of the notebook."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes", verbose_name=_("customer"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="customer_notes",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self):
        return f"{self.customer} · {self.created_at:%Y-%m-%d %H:%M}"


class CustomerTypeChange(models.Model):
    """A move of a customer's type (prospect -> new -> existing), by rule or by hand: its history."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="type_changes", verbose_name=_("customer")
    )
    old_type = models.CharField(_("from"), max_length=16, choices=CustomerType.choices)
    new_type = models.CharField(_("to"), max_length=16, choices=CustomerType.choices)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("customer type change")
        verbose_name_plural = _("customer type changes")

    def __str__(self):
        return f"{self.customer}: {self.old_type} → {self.new_type}"
