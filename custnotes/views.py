"""Views shared by every app: the generic filtered, paginated, exportable list; the customer-scope
mixin and the base of every write page (ServiceFormView)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.paginators import LazyPaginator

from custnotes import backup, selectors, tasks
from custnotes.excel import table_to_workbook, workbook_response
from custnotes.exports import export_customers, export_job_start
from custnotes.filters import chosen_filters
from custnotes.forms import AsOfForm, ImportUploadForm, add_errors
from custnotes.import_template import template_workbook
from custnotes.imports_jobs import import_job_confirm, import_job_retry_good_rows, import_job_start
from custnotes.models import ImportJob
from custnotes.registry import registry
from custnotes.workbook import write_workbook


class CustomerScopedMixin:
    """Resolves the customer named in the URL within the user's scope: outside it, 404 (before any
    permission check, so another team's customer does not even exist for the user)."""

    customer_url_kwarg = "customer_id"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.customer = registry.customers.get(user=request.user, pk=kwargs[self.customer_url_kwarg])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)


class ServiceFormView(FormView):
    """A write page: the form's cleaned data go to one service call, `perform(form)`; the service's
    ValidationError lands on the form (on the field it names, else above the form) and nothing is
    written; on success a message and a redirect. A view says only what differs: perform(), the
    message (`success_message`, formatted with the object's %(id)s and %(name)s) and `success_to(obj)`.
    perform() may also return a response of its own (a preview, a question to confirm)."""

    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def success_to(self, obj) -> str:
        return obj.get_absolute_url()

    def service_failed(self, form, error: ValidationError):
        add_errors(form, error)
        return self.form_invalid(form)

    def form_valid(self, form):
        try:
            obj = self.perform(form)
        except ValidationError as error:
            return self.service_failed(form, error)
        if isinstance(obj, HttpResponse):
            return obj
        if self.success_message:
            messages.success(self.request, str(self.success_message) % {"id": obj.pk, "name": obj})
        return redirect(self.success_to(obj))


def notebook_url(customer_id: int, section: str) -> str:
    """A section of a customer's notebook page (its anchor), where a write page returns to."""
    return reverse("customers:detail", args=[customer_id]) + f"#{section}"


def export_query(request) -> str:
    """The current page's query string asking for its .xlsx export (every row, not just the page)."""
    query = request.GET.copy()
    query.pop("page", None)
    query["export"] = "xlsx"
    return query.urlencode()


class ReportPageMixin:
    """A report page built from rows the view computes (aggregates, not a queryset): paginate the
    table, link its export, render; or export every row in the order the page is sorted by."""

    report_per_page = 50

    def report_export(self, table, title, filename: str, *, filter_forms=(), as_of=None, filters=()):
        """The report as .xlsx: its title row names the as-of date (today when not given) and the
        filters chosen on `filter_forms` (the filterset's form, ...) followed by `filters`, more
        (label, value) pairs the view words itself (a window, say)."""
        table.order_by = self.request.GET.get("sort") or table.order_by
        chosen = chosen_filters(*filter_forms) + list(filters)
        return workbook_response(table_to_workbook(table, str(title), as_of=as_of, filters=chosen), filename)

    def report_response(self, table, **context):
        RequestConfig(self.request, paginate={"per_page": self.report_per_page}).configure(table)
        return self.render_to_response(
            self.get_context_data(table=table, export_query=export_query(self.request), **context)
        )


def bounded_count(rows, cap: int) -> int:
    """How many rows, counting at most cap + 1 (a queryset: COUNT over a LIMIT subquery)."""
    if isinstance(rows, QuerySet):
        return rows.order_by()[: cap + 1].count()
    return min(len(rows), cap + 1)


class FilteredTableView(SingleTableMixin, FilterView):
    """A list page: filter form, sortable paginated table, and an .xlsx export of the filtered rows.

    Subclasses set `table_class`, `filterset_class`, `title`, and implement `get_queryset()` by
    calling their app's selector (which applies the user's access scope).
    `default_columns` names the columns shown on the page; the export has every column.
    """

    template_name = "includes/list.html"
    # The table alone paginates, without counting: LazyPaginator fetches one row more than the page to
    # know there is a next one (an unfiltered COUNT over millions of rows would cost more than the
    # page). The row count above the table is bounded: exact up to COUNT_CAP, "more than" past it.
    paginate_by = None
    table_pagination = {"per_page": 25, "paginator_class": LazyPaginator}
    COUNT_CAP = 10_000
    title = ""
    export_name = "export"
    default_columns: tuple[str, ...] = ()
    create_url = None
    create_label = None

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.default_columns and not self.is_export():
            for column in table.columns:
                if column.name not in self.default_columns:
                    table.columns.hide(column.name)
        return table

    def get_table_pagination(self, table):
        if self.is_export():
            return False
        return super().get_table_pagination(table)

    def is_export(self) -> bool:
        return self.request.GET.get("export") == "xlsx"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.is_export():
            context.update(
                row_count=bounded_count(context["table"].data.data, self.COUNT_CAP), count_cap=self.COUNT_CAP
            )
        context.update(
            title=self.title,
            export_query=export_query(self.request),
            create_url=self.get_create_url(),
            create_label=self.create_label,
        )
        return context

    def get_create_url(self):
        return self.create_url

    def get_export_as_of(self, context):
        """The day the exported figures are as of: the page's `as_of`, else that of the scoring run
        the page shows (`run`), else today."""
        if context.get("as_of"):
            return context["as_of"]
        run_as_of = getattr(context.get("run"), "as_of", None)
        return run_as_of or timezone.localdate()

    def render_to_response(self, context, **response_kwargs):
        if self.is_export():
            table = context["table"]
            stamp = timezone.localdate().isoformat()
            name = f"{slugify(self.export_name) or 'export'}-{stamp}.xlsx"
            filterset = context.get("filter")
            workbook = table_to_workbook(
                table,
                str(self.title),
                as_of=self.get_export_as_of(context),
                filters=chosen_filters(filterset.form if filterset is not None else None),
            )
            return workbook_response(workbook, name)
        return super().render_to_response(context, **response_kwargs)


class HomeView(TemplateView):
    """The home dashboard: each section's panels about the user's customers (those they own, or every
    customer in their scope when they own none)."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        as_of = timezone.localdate()
        scope = registry.customers.in_scope(user=user, include_archived=False).prefetch_related(None)
        mine = scope.filter(owner=user)
        customers = mine if mine.exists() else scope
        panels = [
            (panel, panel.context(user=user, customers=customers, as_of=as_of)) for panel in registry.panels_for(user)
        ]
        return super().get_context_data(panels=panels, as_of=as_of, own=customers is mine, **kwargs)


class WorkbookView(View):
    """The notebook workbook: one customer (?customer=ID) or every customer the user may see.
    Small exports stream at once; large ones become a background job with a progress page."""

    def get(self, request):
        form = AsOfForm(request.GET)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(request.headers.get("referer") or "home")
        as_of = form.as_of_date()
        customers = export_customers(user=request.user)
        name = f"notebook-{as_of.isoformat()}.xlsx"
        if request.GET.get("customer"):
            try:
                customer_id = int(request.GET["customer"])
            except ValueError as exc:
                raise Http404 from exc
            customers = customers.filter(pk=customer_id)
            if not customers.exists():
                raise Http404
            name = f"notebook-{customer_id}-{as_of.isoformat()}.xlsx"
        elif customers.count() > settings.WORKBOOK_INLINE_LIMIT:
            job = export_job_start(user=request.user, as_of=as_of)
            tasks.export_workbook.delay(job.pk)
            return redirect("workbook-job", pk=job.pk)
        return workbook_response(write_workbook(customers=customers, as_of=as_of), name)


class WorkbookJobView(TemplateView):
    """Progress of a background export, then its download link (polled by htmx while it runs)."""

    template_name = "includes/export_job.html"

    def get_context_data(self, **kwargs):
        job = selectors.export_job_get(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(job=job, **kwargs)

    def get_template_names(self):
        if self.request.htmx:
            return ["includes/export_job_status.html"]
        return [self.template_name]


class WorkbookDownloadView(View):
    def get(self, request, pk):
        job = selectors.export_job_get(user=request.user, pk=pk, done=True)
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1])


class ImportView(PermissionRequiredMixin, FormView):
    """Upload a customer book; a worker checks (and imports) it; the user's recent imports."""

    permission_required = "custnotes.add_importjob"
    form_class = ImportUploadForm
    template_name = "imports/upload.html"

    def get_context_data(self, **kwargs):
        jobs = selectors.import_job_list(user=self.request.user)[:10]
        return super().get_context_data(jobs=jobs, **kwargs)

    def form_valid(self, form):
        job = import_job_start(
            user=self.request.user, upload=form.cleaned_data["file"], language=translation.get_language() or "zh-hans"
        )
        tasks.import_workbook.delay(job.pk)
        return redirect("import-job", pk=job.pk)


class ImportTemplateView(PermissionRequiredMixin, View):
    permission_required = "custnotes.add_importjob"

    def get(self, request):
        return workbook_response(template_workbook(), "custnotes-import-template.xlsx")


class ImportJobView(PermissionRequiredMixin, TemplateView):
    """The import's progress, then its result: what was written, or each bad row and why."""

    permission_required = "custnotes.add_importjob"
    template_name = "imports/job.html"

    def get_job(self):
        return selectors.import_job_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_template_names(self):
        if self.request.htmx:
            return ["imports/job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(job=self.get_job(), **kwargs)

    def post(self, request, pk):
        job = self.get_job()
        action = request.POST.get("action")
        if job.status == ImportJob.Status.INVALID and action == "good-rows":
            tasks.import_workbook.delay(import_job_retry_good_rows(job=job).pk)
        elif job.status == ImportJob.Status.WARNED and action == "confirm":
            tasks.import_workbook.delay(import_job_confirm(job=job).pk)
        return redirect("import-job", pk=job.pk)


class ReportsView(TemplateView):
    """The reports area: every section's report, each with filters, totals and .xlsx export."""

    template_name = "reports.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(reports=registry.reports_for(self.request.user), **kwargs)


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers ask for where a page names no icon (the admin's pages)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


class BackupListView(PermissionRequiredMixin, TemplateView):
    """The backups (Admins): every archive with its size, database and last verification, the failed
    attempts too; back up or verify now (a worker does it), download an archive."""

    permission_required = "custnotes.manage_backups"
    template_name = "backups/list.html"

    def get_context_data(self, **kwargs):
        keep = (settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY)
        return super().get_context_data(
            entries=backup.backup_list(), problem=backup.backup_problem(), keep=keep, **kwargs
        )

    def post(self, request):
        action = request.POST.get("action")
        if action == "backup":
            tasks.backup.delay(kind="manual")
            messages.success(request, _("The backup has started; it is listed here when it is done."))
        elif action == "verify" and (name := request.POST.get("name")) in {e.name for e in backup.backup_list()}:
            tasks.backup_verify.delay(name)
            messages.success(
                request,
                _("Verification of %(name)s has started: it is restored into a scratch database.") % {"name": name},
            )
        else:
            messages.error(request, _("There is no such backup."))
        return redirect("backups")


class BackupDownloadView(PermissionRequiredMixin, View):
    """An archive as a download (Admins): only a name the catalogue lists, never a path."""

    permission_required = "custnotes.manage_backups"

    def get(self, request, name):
        if name not in {e.name for e in backup.backup_list() if e.status == "ok"}:
            raise Http404(_("There is no such backup."))
        return FileResponse(backup.backup_open(name), as_attachment=True, filename=name)
