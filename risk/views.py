"""Risk pages: the dashboard, the alerts list, acknowledging, deciding proposals, industry outlook,
settings. Thin: scope through selectors, writes through services."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from custnotes.excel import table_to_workbook, workbook_response
from custnotes.views import FilteredTableView, ServiceFormView, notebook_url
from customers.selectors import industry_get, industry_list
from valuation.selectors import latest_run

from . import selectors, services
from .choices import AlertKind, Level
from .filtersets import RiskAlertFilterSet
from .forms import AcknowledgeForm, IndustryOutlookForm, ProposalDecisionForm, RiskSettingsForm
from .models import RiskSettings
from .tables import DebtorTable, RiskAlertTable

TOP_DEBTORS = 10
TOP_CONCENTRATION = 8


class RiskAlertListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "risk.view_riskalert"
    table_class = RiskAlertTable
    filterset_class = RiskAlertFilterSet
    title = gettext_lazy("Risk alerts")
    export_name = "risk-alerts"
    default_columns = (
        "customer",
        "kind",
        "level",
        "what",
        "assigned_to",
        "opened_at",
        "acknowledged_by",
        "actions",
    )

    def get_queryset(self):
        return selectors.alert_list(user=self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}


class AlertAcknowledgeView(PermissionRequiredMixin, View):
    permission_required = "risk.change_riskalert"
    http_method_names = ["post"]

    def post(self, request, pk):
        alert = selectors.alert_get(user=request.user, pk=pk)
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                services.alert_acknowledge(alert=alert, user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("Alert acknowledged."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, _("Say what is being done about it."))
        target = request.POST.get("next")
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("risk:alerts")
        return redirect(target)


class RiskDashboardView(PermissionRequiredMixin, TemplateView):
    permission_required = "risk.view_riskalert"
    template_name = "risk/dashboard.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        run = latest_run()
        assessments = selectors.assessment_list(user=user, run=run)
        debtor_table = DebtorTable(selectors.top_overdue_debtors(assessments=assessments, limit=TOP_DEBTORS))
        if request.GET.get("export") == "debtors":
            return workbook_response(
                # the run's snapshot: dated by the run, not by the day of the download
                table_to_workbook(debtor_table, str(_("Top overdue debtors")), as_of=run.as_of if run else None),
                "overdue-debtors.xlsx",
            )
        counts = selectors.alert_counts(user=user)
        kinds = [
            (kind.label, [counts.get((kind.value, level.value), 0) for level in (Level.HIGH, Level.MEDIUM, Level.LOW)])
            for kind in AlertKind
        ]
        shares, others = selectors.concentration(assessments=assessments, limit=TOP_CONCENTRATION)
        chart = {
            "type": "bar",
            "labels": [s.customer.name for s in shares] + ([str(_("all others"))] if shares else []),
            "series": [
                {
                    "label": str(_("share of T12M revenue (%)")),
                    "data": [str(round(s.concentration_share * 100, 1)) for s in shares]
                    + ([str(round(others * 100, 1))] if shares else []),
                    "color": "#6f42c1",
                }
            ],
        }
        return self.render_to_response(
            self.get_context_data(
                run=run,
                kinds=kinds,
                debtor_table=debtor_table,
                shares=shares,
                chart=chart,
                industries=selectors.industry_risks(run=run),
                proposals=selectors.proposal_list(user=user).filter(status="pending")[:20],
                title=_("Risk"),
            )
        )


class ProposalDecideView(PermissionRequiredMixin, View):
    permission_required = "risk.decide_creditproposal"
    http_method_names = ["post"]

    def post(self, request, pk):
        proposal = get_object_or_404(selectors.proposal_list(user=request.user), pk=pk)
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject"):
            messages.error(request, _("Choose to approve or to reject the proposal."))
            return redirect(notebook_url(proposal.customer_id, "risk"))
        approve = decision == "approve"
        form = ProposalDecisionForm(request.POST)
        if approve and not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(notebook_url(proposal.customer_id, "risk"))
        data = form.cleaned_data if approve else {}
        try:
            services.proposal_decide(
                proposal=proposal,
                user=request.user,
                approve=approve,
                note=request.POST.get("note", ""),
                credit_limit=data.get("credit_limit"),
                payment_terms_days=data.get("payment_terms_days"),
                require_prepayment=data.get("require_prepayment"),
                require_guarantee=data.get("require_guarantee"),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Credit policy approved and applied.") if approve else _("Proposal rejected."))
        return redirect(notebook_url(proposal.customer_id, "risk"))


class IndustryListView(PermissionRequiredMixin, TemplateView):
    permission_required = "customers.view_industry"
    template_name = "risk/industries.html"

    def get_context_data(self, **kwargs):
        run = latest_run()
        return super().get_context_data(
            industries=industry_list(),
            risks={r.industry_id: r for r in selectors.industry_risks(run=run)},
            changes=selectors.industry_change_list(limit=30),
            can_change=self.request.user.has_perm("customers.change_industry"),
            **kwargs,
        )


class IndustryOutlookView(PermissionRequiredMixin, ServiceFormView):
    permission_required = "customers.change_industry"
    form_class = IndustryOutlookForm
    template_name = "risk/industry_form.html"
    success_message = gettext_lazy("Outlook of %(name)s changed.")

    def dispatch(self, request, *args, **kwargs):
        self.industry = industry_get(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"outlook": self.industry.outlook, "competition": self.industry.competition}

    def get_context_data(self, **kwargs):
        return super().get_context_data(industry=self.industry, **kwargs)

    def perform(self, form):
        services.industry_outlook_change(industry=self.industry, user=self.request.user, **form.cleaned_data)
        return self.industry

    def success_to(self, industry):
        return reverse("risk:industries")


class RiskSettingsView(PermissionRequiredMixin, FormView):
    permission_required = "risk.change_risk_settings"
    form_class = RiskSettingsForm
    template_name = "risk/settings.html"

    def get_initial(self):
        return {"block_risky_sales": RiskSettings.load().block_risky_sales}

    def form_valid(self, form):
        services.risk_settings_update(block_risky_sales=form.cleaned_data["block_risky_sales"])
        messages.success(self.request, _("Risk settings saved."))
        return redirect("risk:dashboard")
