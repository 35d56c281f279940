"""Views shared by every app: the generic filtered, paginated, exportable list."""

from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import slugify
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from custnotes.excel import table_to_workbook, workbook_response


class FilteredTableView(SingleTableMixin, FilterView):
    """A list page: filter form, sortable paginated table, and an .xlsx export of the filtered rows.

    Subclasses set `table_class`, `filterset_class`, `title`, and implement `get_queryset()` by
    calling their app's selector (which applies the user's access scope).
    `default_columns` names the columns shown on the page; the export has every column.
    """

    template_name = "includes/list.html"
    paginate_by = 25
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
        query = self.request.GET.copy()
        query.pop("page", None)
        query["export"] = "xlsx"
        context.update(
            title=self.title,
            export_query=query.urlencode(),
            create_url=self.get_create_url(),
            create_label=self.create_label,
        )
        return context

    def get_create_url(self):
        return self.create_url

    def render_to_response(self, context, **response_kwargs):
        if self.is_export():
            table = context["table"]
            stamp = timezone.localdate().isoformat()
            name = f"{slugify(self.export_name) or 'export'}-{stamp}.xlsx"
            return workbook_response(table_to_workbook(table, str(self.title)), name)
        return super().render_to_response(context, **response_kwargs)


def home(request):
    """The start page. Until the dashboard exists, the customer list is where work starts."""
    return redirect("customers:list")
