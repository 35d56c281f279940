"""Ledger pages. Thin: scope through selectors, writes through services, figures from calculations."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from custnotes.excel import workbook_response
from custnotes.forms import AsOfForm, add_errors
from custnotes.views import CustomerScopedMixin, FilteredTableView, ReportPageMixin, ServiceFormView, notebook_url
from customers.selectors import customer_list

from . import selectors, services
from .filtersets import AgingFilterSet, PaymentFilterSet, PaymentMethodFilterSet, SaleFilterSet
from .forms import PaymentForm, PaymentMethodForm, RefundForm, SaleForm, VoidForm
from .sheets import statement_workbook
from .tables import AgingTable, PaymentMethodTable, PaymentTable, SaleTable

# --- lists --------------------------------------------------------------------------------------


class SaleListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "transactions.view_sale"
    table_class = SaleTable
    filterset_class = SaleFilterSet
    title = gettext_lazy("Sales")
    export_name = "sales"
    default_columns = (
        "id",
        "occurred_at",
        "customer",
        "product",
        "amount",
        "open_amount",
        "due_date",
        "status",
    )

    def get_queryset(self):
        return selectors.sale_list(user=self.request.user, as_of=timezone.localdate())


class PaymentListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "transactions.view_payment"
    table_class = PaymentTable
    filterset_class = PaymentFilterSet
    title = gettext_lazy("Payments")
    export_name = "payments"
    default_columns = (
        "id",
        "received_at",
        "customer",
        "kind",
        "amount",
        "method",
        "fee",
        "reference",
        "unallocated",
        "actions",
    )

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)


class AgingReportView(PermissionRequiredMixin, ReportPageMixin, TemplateView):
    """Accounts receivable aging: one row per customer, totals that are the sums of the rows."""

    permission_required = "transactions.view_sale"
    template_name = "transactions/aging_report.html"

    def get(self, request, *args, **kwargs):
        as_of_form = AsOfForm(request.GET or None)
        as_of = as_of_form.as_of_date()
        filterset = AgingFilterSet(request.GET or None, queryset=customer_list(user=request.user), user=request.user)
        rows, totals = selectors.aging_report(user=request.user, as_of=as_of, customers=filterset.qs)
        table = AgingTable(rows, totals=totals)
        if request.GET.get("export") == "xlsx":
            return self.report_export(
                table,
                _("Receivables aging"),
                f"aging-{as_of.isoformat()}.xlsx",
                filter_forms=[filterset.form],
                as_of=as_of,
            )
        return self.report_response(
            table, filter=filterset, as_of_form=as_of_form, as_of=as_of, totals=totals, title=_("Receivables aging")
        )


# --- sales --------------------------------------------------------------------------------------


class SaleCreateView(PermissionRequiredMixin, CustomerScopedMixin, ServiceFormView):
    permission_required = "transactions.add_sale"
    form_class = SaleForm
    template_name = "transactions/sale_form.html"
    success_message = gettext_lazy("Sale #%(id)s recorded.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.customer}

    def perform(self, form):
        data = dict(form.cleaned_data)
        confirmed = data.pop("confirm_risk", False)
        return services.sale_record(customer=self.customer, user=self.request.user, confirmed=confirmed, **data)

    def service_failed(self, form, error):
        if isinstance(error, services.SaleNeedsConfirmation):  # the later sections' warnings: ask first
            return self.render_to_response(self.get_context_data(form=form, warnings=error.messages))
        return super().service_failed(form, error)

    def success_to(self, sale):
        return notebook_url(self.customer.pk, "ledger")


class SaleDetailView(PermissionRequiredMixin, TemplateView):
    permission_required = "transactions.view_sale"
    template_name = "transactions/sale_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.sale = selectors.sale_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            sale=self.sale,
            allocations=self.sale.allocations.select_related("payment", "payment__method").order_by("applied_on"),
            void_form=kwargs.pop("void_form", None)
            or (VoidForm() if user.has_perm("transactions.void_sale") else None),
            can_delete=user.has_perm("transactions.delete_sale") and not self.sale.is_void,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "void" and request.user.has_perm("transactions.void_sale"):
            form = VoidForm(request.POST)
            if form.is_valid():
                try:
                    services.sale_void(sale=self.sale, reason=form.cleaned_data["reason"], user=request.user)
                    messages.success(request, _("Sale #%(id)s voided.") % {"id": self.sale.pk})
                    return redirect(self.sale.get_absolute_url())
                except ValidationError as error:
                    add_errors(form, error)
            return self.render_to_response(self.get_context_data(void_form=form))
        if action == "delete" and request.user.has_perm("transactions.delete_sale"):
            try:
                services.sale_delete(sale=self.sale)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect(self.sale.get_absolute_url())
            messages.success(request, _("Sale deleted."))
            return redirect(notebook_url(self.sale.customer_id, "ledger"))
        return self.handle_no_permission()


# --- payments -----------------------------------------------------------------------------------


class PaymentCreateView(PermissionRequiredMixin, CustomerScopedMixin, ServiceFormView):
    """Record a receipt; "Preview" shows the fee and where the money goes before anything is saved."""

    permission_required = "transactions.add_payment"
    form_class = PaymentForm
    template_name = "transactions/payment_form.html"
    success_message = gettext_lazy("Payment #%(id)s recorded.")

    def get_form_kwargs(self):
        self.open_items = selectors.open_items(customer=self.customer)
        return {**super().get_form_kwargs(), "open_items": self.open_items}

    def perform(self, form):
        data = form.cleaned_data
        if self.request.POST.get("action") != "save":
            preview = services.payment_preview(
                customer=self.customer,
                amount=data["amount"],
                method=data["method"],
                allocations=form.manual_allocations(),
            )
            return self.render_to_response(self.get_context_data(form=form, preview=preview))
        return services.payment_record(
            customer=self.customer,
            received_at=data["received_at"],
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            note=data["note"],
            allocations=form.manual_allocations(),
            user=self.request.user,
        )

    def success_to(self, payment):
        return notebook_url(self.customer.pk, "ledger")


class RefundCreateView(PermissionRequiredMixin, ServiceFormView):
    permission_required = "transactions.add_refund"
    form_class = RefundForm
    template_name = "transactions/refund_form.html"
    success_message = gettext_lazy("Refund recorded.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.receipt = selectors.payment_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"amount": self.receipt.unallocated, "method": self.receipt.method_id}

    def get_context_data(self, **kwargs):
        return super().get_context_data(receipt=self.receipt, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.refund_record(
            receipt=self.receipt,
            paid_at=data["received_at"],
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            note=data["note"],
            user=self.request.user,
        )

    def success_to(self, refund):
        return notebook_url(self.receipt.customer_id, "ledger")


# --- statement of account -----------------------------------------------------------------------


class StatementExportView(PermissionRequiredMixin, CustomerScopedMixin, TemplateView):
    """The customer's statement of account as .xlsx, as of a date."""

    permission_required = "transactions.view_sale"

    def get(self, request, *args, **kwargs):
        as_of = AsOfForm(request.GET or None).as_of_date()
        workbook = statement_workbook(customer=self.customer, as_of=as_of)
        return workbook_response(workbook, f"statement-{self.customer.pk}-{as_of.isoformat()}.xlsx")


# --- payment methods ----------------------------------------------------------------------------


class PaymentMethodListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "transactions.view_paymentmethod"
    table_class = PaymentMethodTable
    filterset_class = PaymentMethodFilterSet
    title = gettext_lazy("Payment methods")
    export_name = "payment-methods"
    create_label = gettext_lazy("New payment method")

    def get_queryset(self):
        return selectors.payment_method_list()

    def get_create_url(self):
        if self.request.user.has_perm("transactions.add_paymentmethod"):
            return reverse("transactions:method-create")
        return None


class PaymentMethodFormView(PermissionRequiredMixin, FormView):
    form_class = PaymentMethodForm
    template_name = "transactions/method_form.html"

    def get_permission_required(self):
        return ["transactions.change_paymentmethod" if "pk" in self.kwargs else "transactions.add_paymentmethod"]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = selectors.payment_method_get(pk=self.kwargs["pk"])
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Payment method saved."))
        return redirect("transactions:methods")
