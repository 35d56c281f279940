from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValuationConfig(AppConfig):
    name = "valuation"
    verbose_name = _("Customer value")

    def ready(self):
        from custnotes.registry import DemoLoader, NavItem, NotebookSection, Schedule, registry

        from . import demo, notebook

        registry.add_nav(NavItem(_("Value"), "valuation:report", 40, "valuation.view_customervaluation", "gem"))
        registry.add_demo(DemoLoader("valuation", demo.load, order=40))
        registry.add_section(
            NotebookSection(
                key="value",
                title=_("Customer value"),
                template="valuation/sections/value.html",
                context=notebook.value_context,
                order=40,
                permission="valuation.view_customervaluation",
            )
        )
        registry.add_schedule(
            Schedule(
                name="valuation: monthly re-scoring",
                task="valuation.monthly",
                crontab={"minute": "30", "hour": "3", "day_of_month": "1"},
                description=_("Scores every customer's value on the first of the month."),
            )
        )
        from custnotes.registry import ReportEntry

        from . import sheets

        registry.add_summary(sheets.PROVIDER)
        registry.add_sheet(sheets.SHEET)
        registry.add_report(
            ReportEntry(
                _("Customer value"),
                _("Segments, tiers and the customers with the most potential, from the latest scoring."),
                "valuation:report",
                40,
                "valuation.view_customervaluation",
                "gem",
            )
        )
        from custnotes.registry import DashboardPanel

        from . import panels

        registry.add_panel(
            DashboardPanel(
                "top",
                _("Top customers"),
                "valuation/panels/top.html",
                panels.top_customers,
                30,
                "valuation.view_customervaluation",
                "col-lg-12",
            )
        )
