from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custnotes.money import money_field
from customers.models import Customer

from .choices import HistoryNote, RunStatus, Segment, Tier, TimeUnit


class ValuationRun(models.Model):
    """One scoring of the whole portfolio as of a date: the fitted model and how the run went.
    Re-running the same as-of date replaces the run's customer rows, never duplicates them."""

    as_of = models.DateField(_("as of"), unique=True)
    unit = models.CharField(_("time unit"), max_length=8, choices=TimeUnit.choices, default=TimeUnit.WEEKS)
    Status = RunStatus  # the statuses, by name, for templates too (run.Status.RUNNING)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    params = models.JSONField(_("model parameters"), default=dict, blank=True)
    bgnbd_log_likelihood = models.FloatField(_("BG/NBD log-likelihood"), null=True, blank=True)
    gg_log_likelihood = models.FloatField(_("Gamma-Gamma log-likelihood"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    fitted_customers = models.PositiveIntegerField(_("customers in the fit"), default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("valuation run")
        verbose_name_plural = _("valuation runs")
        permissions = [
            ("run_valuation", _("Can start re-scoring")),
            ("check_model", _("Can run the purchase model's holdout check")),
        ]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        if not self.chunks_total:
            return 0
        return min(99, round(100 * self.chunks_done / self.chunks_total))


class ValuationChunk(models.Model):
    """A slice of a run's customers scored by one worker task: those whose ids lie from first_id to
    last_id (both included), `customers` of them when the run started; `done` makes a redelivery
    harmless."""

    run = models.ForeignKey(ValuationRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_id = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="valuation_chunk_unique")]

    def __str__(self):
        return f"{self.run} #{self.index}"


class CustomerValuation(models.Model):
    """A customer's value as of a run's date (the snapshot history shows trends)."""

    run = models.ForeignKey(ValuationRun, on_delete=models.CASCADE, related_name="valuations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="valuations")
    as_of = models.DateField(_("as of"), db_index=True)
    current_value = money_field(_("current value"), default=0)
    t12m_purchases = models.PositiveIntegerField(_("T12M purchases"), default=0)
    t12m_gross_margin = money_field(_("T12M gross margin"), default=0)
    t12m_contribution = money_field(_("T12M contribution profit"), default=0)
    recency_days = models.PositiveIntegerField(_("days since last sale"), null=True, blank=True)
    r_score = models.PositiveSmallIntegerField("R", null=True, blank=True)
    f_score = models.PositiveSmallIntegerField("F", null=True, blank=True)
    m_score = models.PositiveSmallIntegerField("M", null=True, blank=True)
    segment = models.CharField(_("segment"), max_length=24, choices=Segment.choices, blank=True)
    p_alive = models.FloatField(_("P(alive)"), null=True, blank=True)
    expected_purchases = models.FloatField(_("expected purchases (12 months)"), null=True, blank=True)
    expected_value = money_field(_("expected purchase value"), null=True, blank=True)
    predicted_value = money_field(_("predicted 12-month value"), null=True, blank=True)
    potential_value = money_field(_("potential value"), null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    history_note = models.CharField(_("about the figures"), max_length=16, choices=HistoryNote.choices, blank=True)
    # when these figures were computed: by the run, or later by re-scoring the customer after a write
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now)

    class Meta:
        ordering = ["-as_of", "customer_id"]
        verbose_name = _("customer valuation")
        verbose_name_plural = _("customer valuations")
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="valuation_one_row_per_customer_and_run")
        ]
        indexes = [models.Index(fields=["customer", "as_of"])]

    def __str__(self):
        return f"{self.customer} @ {self.as_of:%Y-%m-%d}"


class RescoreRequest(models.Model):
    """A customer whose scores are out of date: a write touched them since they were scored. One row
    per customer however many writes (the time of the latest); the background re-scoring takes them
    and removes the rows it has covered (see services.valuation_rescore_pending)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("re-scoring request")
        verbose_name_plural = _("re-scoring requests")

    def __str__(self):
        return f"{self.customer_id} @ {self.requested_at:%Y-%m-%d %H:%M:%S}"
