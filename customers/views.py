"""Customer pages: the list, the notebook, create/edit/delete, archive, notes. Thin: scope via the
selectors, writes via the services, formulas nowhere here."""

import re

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from custnotes.forms import AsOfForm
from custnotes.permissions import can_change_customer, can_delete_customer
from custnotes.registry import registry
from custnotes.summary import summary_rows
from custnotes.views import CustomerScopedMixin, FilteredTableView, ServiceFormView, notebook_url

from . import selectors, services
from .filtersets import CustomerFilterSet
from .forms import CustomerForm, NoteForm
from .tables import CustomerTable


class CustomerListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "customers.view_customer"
    table_class = CustomerTable
    filterset_class = CustomerFilterSet
    title = gettext_lazy("Customers")
    export_name = "customers"
    default_columns = (
        "name",
        "company",
        "contact_person",
        "phone",
        "industry",
        "customer_type",
        "team",
        "owner",
        "credit_limit",
    )
    create_label = gettext_lazy("New customer")

    def get_queryset(self):
        return selectors.customer_list(user=self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["user"] = self.request.user
        return kwargs

    def get_create_url(self):
        if self.request.user.has_perm("customers.add_customer"):
            return reverse("customers:create")
        return None


class CustomerDetailView(PermissionRequiredMixin, TemplateView):
    """The notebook: the customer's information, then each registered section in template order."""

    permission_required = "customers.view_customer"
    template_name = "customers/customer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        customer = selectors.customer_get(user=user, pk=self.kwargs["pk"])
        as_of_form = AsOfForm(self.request.GET if "as_of" in self.request.GET else None)
        as_of = as_of_form.as_of_date()
        figures = summary_rows(customers=[customer], as_of=as_of)[0]
        sections = registry.section_contexts(user=user, customer=customer, as_of=as_of, params=self.request.GET)
        context.update(
            customer=customer,
            as_of=as_of,
            as_of_form=as_of_form,
            is_today=as_of == timezone.localdate(),
            figures=figures,
            sections=sections,
            can_change=can_change_customer(user, customer),
            can_delete=can_delete_customer(user, customer),
        )
        return context


class CustomerPickView(PermissionRequiredMixin, TemplateView):
    """A customer picker's matches (customers.widgets.CustomerPicker), as ticked-box choices for
    the form field `field`, leaving out the customers already chosen."""

    permission_required = "customers.view_customer"
    template_name = "customers/widgets/customer_picker_found.html"

    def get(self, request, *args, **kwargs):
        field = request.GET.get("field", "")
        if not re.fullmatch(r"[a-z_]{1,40}", field):
            return HttpResponseBadRequest(_("This search belongs to no form field."))
        q = request.GET.get("q", "")[:200]
        chosen = [pk for pk in request.GET.getlist(field) if pk.isdigit() and len(pk) < 19]
        found, more = selectors.customer_pick(user=request.user, q=q, exclude=chosen)
        return self.render_to_response({"field": field, "q": q.strip(), "found": found, "more": more})


class CustomerFormMixin(PermissionRequiredMixin):
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if "industry" in self.request.GET:  # the industry select re-renders its template's fields
            initial["industry"] = self.request.GET.get("industry")
        return initial


class CustomerCreateView(CustomerFormMixin, ServiceFormView):
    permission_required = "customers.add_customer"
    success_message = gettext_lazy("Customer %(name)s created.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New customer"), **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        teams = selectors.team_choices(user=self.request.user)
        if len(teams) == 1:
            initial.setdefault("team", teams[0])
        initial.setdefault("owner", self.request.user if self.request.user.teams.exists() else None)
        return initial

    def perform(self, form):
        return services.customer_create(
            data=form.model_data(), tags=form.cleaned_data.get("tags", []), extra=form.extra_data()
        )


class CustomerUpdateView(CustomerScopedMixin, CustomerFormMixin, ServiceFormView):
    permission_required = "customers.change_customer"
    customer_url_kwarg = "pk"
    success_message = gettext_lazy("Changes to %(name)s saved.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.customer
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit %(name)s") % {"name": self.customer.name}, **kwargs)

    def perform(self, form):
        return services.customer_update(
            customer=self.customer,
            data=form.model_data(),
            tags=form.cleaned_data.get("tags", []),
            extra=form.extra_data(),
        )


class CustomerDeleteView(CustomerScopedMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "customers.delete_customer"
    template_name = "customers/customer_confirm_delete.html"
    customer_url_kwarg = "pk"

    def post(self, request, *args, **kwargs):
        try:
            services.customer_delete(customer=self.customer)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.customer)
        messages.success(request, _("Customer %(name)s deleted.") % {"name": self.customer.name})
        return redirect("customers:list")


class CustomerArchiveView(PermissionRequiredMixin, View):
    """POST archived=1 to archive, archived=0 to bring the customer back to the lists."""

    permission_required = "customers.change_customer"
    http_method_names = ["post"]

    def post(self, request, pk):
        customer = selectors.customer_get(user=request.user, pk=pk)
        archived = request.POST.get("archived") == "1"
        services.customer_set_archived(customer=customer, archived=archived)
        if archived:
            messages.success(request, _("%(name)s archived.") % {"name": customer.name})
        else:
            messages.success(request, _("%(name)s is active again.") % {"name": customer.name})
        return redirect(customer)


class NoteCreateView(PermissionRequiredMixin, View):
    permission_required = "customers.add_note"
    http_method_names = ["post"]

    def post(self, request, pk):
        customer = selectors.customer_get(user=request.user, pk=pk)
        form = NoteForm(request.POST)
        if form.is_valid():
            services.note_create(customer=customer, author=request.user, text=form.cleaned_data["text"])
            messages.success(request, _("Note added."))
        else:
            for error in form.errors.get("text", []):
                messages.error(request, error)
        return redirect(notebook_url(customer.pk, "notes"))
