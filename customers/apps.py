from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from custnotes.registry import CustomerSource, DemoLoader, NavItem, NotebookSection, registry

        contribute = registry.section("customers")

        from . import demo, notebook, selectors
        from .models import Customer

        registry.set_customers(
            CustomerSource(in_scope=selectors.customer_list, everyone=Customer.objects.all, get=selectors.customer_get)
        )

        contribute.add_nav(NavItem(label=_("Home"), url_name="home", order=1, icon="house", place="first"))
        contribute.add_nav(NavItem(label=_("Reports"), url_name="reports", order=60, icon="bar-chart", place="last"))
        contribute.add_nav(
            NavItem(
                label=_("Import"),
                url_name="import",
                order=70,
                permission="custnotes.add_importjob",
                icon="upload",
                place="last",
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Customers"),
                url_name="customers:list",
                order=10,
                permission="customers.view_customer",
                icon="people",
            )
        )
        contribute.add_section(
            NotebookSection(
                key="info",
                title=_("Basic information"),
                template="customers/sections/info.html",
                context=notebook.info_context,
                order=10,
            )
        )
        contribute.add_section(
            NotebookSection(
                key="notes",
                title=_("Notes"),
                template="customers/sections/notes.html",
                context=notebook.notes_context,
                order=90,
                place="last",  # the notes close the notebook, after every section's figures
                permission="customers.view_note",
            )
        )
        contribute.add_demo(DemoLoader(name="customers", load=demo.load, order=10))
        from . import sheets

        contribute.add_summary(sheets.PROVIDER)
        contribute.add_sheet(sheets.SHEET)
        from . import imports

        contribute.add_import_sheet(imports.SHEET)
