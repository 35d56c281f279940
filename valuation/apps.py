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
                description=_("Fits the purchase model and scores every customer on the first of the month."),
            )
        )
        contribute.add_schedule(
            Schedule(
                name="valuation: nightly re-scoring",
                task="valuation.nightly",
                crontab={"minute": "30", "hour": "0"},
                description=_("Scores every customer's value and risk as of the day, with the latest fitted model."),
            )
        )
        contribute.add_schedule(
            Schedule(
                name="valuation: re-score touched customers",
                task="valuation.rescore_pending",
                crontab={"minute": "*/5"},
                description=_(
                    "Re-scores the customers whose sales, payments, costs or credit changed (also started "
                    "seconds after each change; this catches any the change could not start)."
                ),
            )
        )
        from custnotes.registry import ChangeListener

        from . import tasks

        contribute.add_change_listener(ChangeListener(name="rescore", handle=tasks.customers_changed))
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
