"""Cost and profit pages. Thin: scope through selectors, writes through services."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from custnotes.permissions import sees_all_customers
from custnotes.views import CustomerScopedMixin, FilteredTableView, ReportPageMixin, ServiceFormView, notebook_url
from customers.selectors import customer_list

from . import selectors, services, tasks
from .filtersets import CampaignFilterSet, CostEntryFilterSet, ProfitabilityFilterSet
from .forms import CampaignForm, CostEntryForm, WindowForm
from .tables import CampaignTable, CostEntryTable, ProfitabilityTable


class CostEntryListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "costing.view_costentry"
    table_class = CostEntryTable
    filterset_class = CostEntryFilterSet
    title = gettext_lazy("Costs")
    export_name = "costs"

    def get_queryset(self):
        return selectors.cost_entry_list(user=self.request.user)


class CostEntryCreateView(PermissionRequiredMixin, CustomerScopedMixin, ServiceFormView):
    """Record a cost for a customer. Sales book service costs; marketing costs need Finance,
    Manager or Admin (costing.add_marketing_cost)."""

    permission_required = "costing.add_costentry"
    form_class = CostEntryForm
    template_name = "costing/cost_form.html"
    success_message = gettext_lazy("Cost recorded.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.cost_entry_record(customer=self.customer, user=self.request.user, **form.cleaned_data)

    def success_to(self, entry):
        return notebook_url(self.customer.pk, "costs")


class ProfitabilityReportView(PermissionRequiredMixin, ReportPageMixin, TemplateView):
    """Every customer's P&L over a window, sortable by every figure, with totals and .xlsx export."""

    permission_required = "costing.view_costentry"
    template_name = "costing/profitability.html"

    def get(self, request, *args, **kwargs):
        window_form = WindowForm(request.GET or None)
        start, end, _period = window_form.window()
        filterset = ProfitabilityFilterSet(
            request.GET or None, queryset=customer_list(user=request.user), user=request.user
        )
        rows, totals = selectors.profitability(customers=filterset.qs, start=start, end=end)
        if rows.figures_stale:
            tasks.figures_rebuild_soon()  # answered from the ledger meanwhile
        table = ProfitabilityTable(rows, totals=totals)
        if request.GET.get("export") == "xlsx":
            return self.report_export(
                table,
                _("Profitability"),
                f"profitability-{start.isoformat()}-{end.isoformat()}.xlsx",
                filter_forms=[filterset.form],
                filters=[(_("period"), f"{start.isoformat()} – {end.isoformat()}")],
                as_of=end,
            )
        return self.report_response(
            table,
            filter=filterset,
            window_form=window_form,
            start=start,
            end=end,
            totals=totals,
            title=_("Profitability"),
        )


class CampaignListView(PermissionRequiredMixin, FilteredTableView):
    """The campaign report: cost, targets, revenue of the targets in the period, ROI."""

    permission_required = "costing.view_campaign"
    table_class = CampaignTable
    filterset_class = CampaignFilterSet
    title = gettext_lazy("Campaigns")
    export_name = "campaigns"
    create_label = gettext_lazy("New campaign")

    def get_queryset(self):
        return selectors.campaign_list(user=self.request.user)

    def get_create_url(self):
        return reverse("costing:campaign-create") if self.request.user.has_perm("costing.add_campaign") else None


class CampaignDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "costing.view_campaign"
    template_name = "costing/campaign_detail.html"

    def get_context_data(self, **kwargs):
        campaign = selectors.campaign_get(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            campaign=campaign,
            report=selectors.campaign_report_row(campaign),
            allocations=selectors.campaign_allocations(campaign=campaign, user=self.request.user),
            sees_part=not sees_all_customers(self.request.user),
            can_change=self.request.user.has_perm("costing.change_campaign"),
            **kwargs,
        )


class CampaignFormView(PermissionRequiredMixin, ServiceFormView):
    form_class = CampaignForm
    template_name = "costing/campaign_form.html"
    success_message = gettext_lazy("Campaign saved and its cost allocated.")

    def get_permission_required(self):
        return ["costing.change_campaign" if "pk" in self.kwargs else "costing.add_campaign"]

    def dispatch(self, request, *args, **kwargs):
        self.campaign = None
        if "pk" in kwargs and request.user.is_authenticated:
            self.campaign = selectors.campaign_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        if not self.campaign:
            today = timezone.localdate()
            return {"starts_on": today.replace(day=1), "ends_on": today}
        c = self.campaign
        return {
            "name": c.name,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "total_cost": c.total_cost,
            "category": c.category,
            "allocation_rule": c.allocation_rule,
            "note": c.note,
            "targets": list(c.targets.values_list("pk", flat=True)),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaign=self.campaign, **kwargs)

    def perform(self, form):
        return services.campaign_save(campaign=self.campaign, user=self.request.user, **form.cleaned_data)
