"""Valuation pages: the report, re-scoring with progress, one customer's re-score, the holdout check."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from custnotes.views import FilteredTableView, notebook_url
from customers.selectors import customer_get

from . import selectors, services, tasks
from .choices import Segment
from .filtersets import ValuationFilterSet
from .forms import HoldoutForm
from .tables import CustomerValuationTable

TOP_POTENTIAL = 10
# The fitted parameters as the pages show them: (model, parameter key, symbol)
PARAMETERS = (
    ("BG/NBD", "r", "r"),
    ("BG/NBD", "alpha", "α"),
    ("BG/NBD", "a", "a"),
    ("BG/NBD", "b", "b"),
    ("Gamma-Gamma", "p", "p"),
    ("Gamma-Gamma", "q", "q"),
    ("Gamma-Gamma", "v", "v"),
)


def parameter_rows(values: dict, errors: dict | None) -> list[tuple[str, str, float, float | None]]:
    """(model, symbol, value, standard error or None) of each fitted parameter in `values`."""
    errors = errors or {}
    return [(model, symbol, values[key], errors.get(key)) for model, key, symbol in PARAMETERS if key in values]


class ValuationReportView(PermissionRequiredMixin, FilteredTableView):
    """Tiers and segments of the latest run: segment chart, the tier table, top potential customers."""

    permission_required = "valuation.view_customervaluation"
    table_class = CustomerValuationTable
    filterset_class = ValuationFilterSet
    template_name = "valuation/report.html"
    title = gettext_lazy("Customer value")
    export_name = "valuation"
    default_columns = (
        "customer",
        "team",
        "tier",
        "segment",
        "current_value",
        "p_alive",
        "predicted_value",
        "potential_value",
    )

    def get_queryset(self):
        self.run = selectors.latest_run()
        return selectors.valuation_list(user=self.request.user, run=self.run)

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.object_list
        counts = dict(rows.values("segment").annotate(n=Count("pk")).order_by().values_list("segment", "n"))
        segments = [(Segment(key).label, counts.get(key, 0)) for key in Segment.values]
        tiers = dict(rows.values("tier").annotate(n=Count("pk")).order_by().values_list("tier", "n"))
        context.update(
            run=self.run,
            running=selectors.running_run(),
            segments=segments,
            tier_counts=[(tier, tiers.get(tier, 0)) for tier in "ABCD"],
            top_potential=rows.filter(potential_value__isnull=False).order_by("-potential_value")[:TOP_POTENTIAL],
            chart={
                "type": "bar",
                "labels": [str(label) for label, _count in segments],
                "series": [{"label": str(_("customers")), "data": [n for _l, n in segments], "color": "#0d6efd"}],
            },
            can_rescore=self.request.user.has_perm("valuation.run_valuation"),
            parameters=parameter_rows(self.run.params, self.run.params.get("se")) if self.run else [],
        )
        return context


class RescoreAllView(PermissionRequiredMixin, View):
    """Start re-scoring everyone as of today in the background."""

    permission_required = "valuation.run_valuation"
    http_method_names = ["post"]

    def post(self, request):
        tasks.run_valuation.delay(timezone.localdate().isoformat())
        messages.success(request, _("Re-scoring started; the figures update when it finishes."))
        return redirect("valuation:report")


class RunStatusView(PermissionRequiredMixin, TemplateView):
    """The progress bar of the newest run (polled by htmx while it runs)."""

    permission_required = "valuation.view_customervaluation"
    template_name = "valuation/includes/run_status.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(run=selectors.last_started_run(), **kwargs)


class RescoreCustomerView(PermissionRequiredMixin, View):
    """Re-score one customer from its notebook (today's run; the first run of the day scores all)."""

    permission_required = "valuation.run_valuation"
    http_method_names = ["post"]

    def post(self, request, customer_id):
        customer = customer_get(user=request.user, pk=customer_id)
        row = services.valuation_rescore_customer(customer=customer, as_of=timezone.localdate())
        if row is None:
            tasks.run_valuation.delay(timezone.localdate().isoformat())
            messages.info(request, _("No scoring today yet: everyone is being scored now."))
        else:
            messages.success(request, _("%(name)s re-scored.") % {"name": customer.name})
        return redirect(notebook_url(customer.pk, "value"))


class HoldoutView(PermissionRequiredMixin, FormView):
    """Can the purchase model be trusted here? Fit on a calibration period, predict the holdout."""

    permission_required = "valuation.check_model"
    form_class = HoldoutForm
    template_name = "valuation/holdout.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        result = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            result = services.holdout_check(
                calibration_end=data["calibration_end"], holdout_end=data["holdout_end"], unit=data["unit"]
            )
        chart = None
        if result and result.periods:
            chart = {
                "type": "line",
                "labels": result.periods,
                "series": [
                    {
                        "label": str(_("predicted")),
                        "data": [round(v, 2) for v in result.predicted],
                        "color": "#0d6efd",
                    },
                    {"label": str(_("actual")), "data": result.actual, "color": "#dc3545"},
                ],
            }
        rows = list(zip(result.periods, result.predicted, result.actual, strict=True)) if result else []
        parameters = parameter_rows(result.params, result.standard_errors) if result else []
        return self.render_to_response(
            self.get_context_data(form=form, result=result, chart=chart, rows=rows, parameters=parameters)
        )
