from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from custnotes.registry import CustomerSource, DemoLoader, NavItem, NotebookSection, registry

        from . import demo, notebook, selectors
        from .models import Customer

        registry.set_customers(
            CustomerSource(in_scope=selectors.customer_list, everyone=Customer.objects.all, get=selectors.customer_get)
        )

        registry.add_nav(NavItem(label=_("Home"), url_name="home", order=1, icon="house"))
        registry.add_nav(NavItem(label=_("Reports"), url_name="reports", order=60, icon="bar-chart"))
        registry.add_nav(
            NavItem(label=_("Import"), url_name="import", order=70, permission="custnotes.add_importjob", icon="upload")
        )
        registry.add_nav(
            NavItem(
                label=_("Customers"),
                url_name="customers:list",
                order=10,
                permission="customers.view_customer",
                icon="people",
            )
        )
        registry.add_section(
            NotebookSection(
                key="info",
                title=_("Basic information"),
                template="customers/sections/info.html",
                context=notebook.info_context,
                order=10,
            )
        )
        registry.add_section(
            NotebookSection(
                key="notes",
                title=_("Notes"),
                template="customers/sections/notes.html",
                context=notebook.notes_context,
                order=90,
                permission="customers.view_note",
            )
        )
        registry.add_demo(DemoLoader(name="customers", load=demo.load, order=10))
        from . import sheets

        registry.add_summary(sheets.PROVIDER)
        registry.add_sheet(sheets.SHEET)
        from . import imports

        registry.add_import_sheet(imports.SHEET)
