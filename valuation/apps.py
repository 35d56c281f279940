from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValuationConfig(AppConfig):
    name = "valuation"
    verbose_name = _("Customer value")

    def ready(self):
        from custnotes.registry import DemoLoader, NavItem, NotebookSection, Schedule, registry

        contribute = registry.section("valuation", after="costing")

        from . import demo, notebook

        contribute.add_nav(
            NavItem(
                label=_("Value"),
                url_name="valuation:report",
                order=40,
                permission="valuation.view_customervaluation",
                icon="gem",
            )
        )
        contribute.add_demo(DemoLoader(name="valuation", load=demo.load, order=40))
        contribute.add_section(
            NotebookSection(
                key="value",
                title=_("Customer value"),
                template="valuation/sections/value.html",
                context=notebook.value_context,
                order=40,
                permission="valuation.view_customervaluation",
            )
        )
        contribute.add_schedule(
            Schedule(
                name="valuation: monthly re-scoring",
                task="valuation.monthly",
                crontab={"minute": "30", "hour": "3", "day_of_month": "1"},
                description=_("Scores every customer's value on the first of the month."),
            )
        )
        from custnotes.registry import ReportEntry

        from . import sheets

        contribute.add_summary(sheets.PROVIDER)
        contribute.add_sheet(sheets.SHEET)
        contribute.add_report(
            ReportEntry(
                title=_("Customer value"),
                description=_("Segments, tiers and the customers with the most potential, from the latest scoring."),
                url_name="valuation:report",
                order=40,
                permission="valuation.view_customervaluation",
                icon="gem",
            )
        )
        from custnotes.registry import DashboardPanel

        from . import panels

        contribute.add_panel(
            DashboardPanel(
                key="top",
                title=_("Top customers"),
                template="valuation/panels/top.html",
                context=panels.top_customers,
                order=30,
                permission="valuation.view_customervaluation",
                width="col-lg-12",
            )
        )
