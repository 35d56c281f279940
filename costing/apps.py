from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CostingConfig(AppConfig):
    name = "costing"
    verbose_name = _("Costs and profit")

    def ready(self):
        from custnotes.registry import DemoLoader, NavItem, NotebookSection, registry

        contribute = registry.section("costing", after="transactions")

        from . import demo, notebook

        group = _("Costs and profit")
        contribute.add_nav(
            NavItem(
                label=_("Costs"),
                url_name="costing:costs",
                order=30,
                permission="costing.view_costentry",
                icon="wallet2",
                group=group,
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Profitability"),
                url_name="costing:profitability",
                order=31,
                permission="costing.view_costentry",
                icon="graph-up",
                group=group,
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Campaigns"),
                url_name="costing:campaigns",
                order=32,
                permission="costing.view_campaign",
                icon="megaphone",
                group=group,
            )
        )
        contribute.add_section(
            NotebookSection(
                key="costs",
                title=_("Costs and profit"),
                template="costing/sections/costs.html",
                context=notebook.costs_context,
                order=30,
                permission="costing.view_costentry",
            )
        )
        contribute.add_demo(DemoLoader(name="costing", load=demo.load, order=30))
        from custnotes.registry import ReportEntry

        from . import sheets

        contribute.add_summary(sheets.PROVIDER)
        contribute.add_sheet(sheets.SHEET)
        contribute.add_report(
            ReportEntry(
                title=_("Profitability"),
                description=_(
                    "Every customer's revenue, costs and contribution profit over a window, sortable, with totals."
                ),
                url_name="costing:profitability",
                order=30,
                permission="costing.view_costentry",
                icon="graph-up",
            )
        )
        contribute.add_report(
            ReportEntry(
                title=_("Campaigns"),
                description=_("Each campaign's cost, targets, the targets' revenue in the period and the ROI."),
                url_name="costing:campaigns",
                order=31,
                permission="costing.view_campaign",
                icon="megaphone",
            )
        )
        from . import imports

        contribute.add_import_sheet(imports.SHEET)

        from django.utils import timezone

        from custnotes.registry import ChangeListener, RunningFigures, Schedule

        from . import selectors, services

        # the running figures: kept in each write's transaction, rebuilt each night, checked on demand
        contribute.add_change_listener(ChangeListener(name="costing figures", handle=services.figures_refresh))
        contribute.add_running_figures(
            RunningFigures(
                name="costing figures",
                title=_("Each customer's profit figures over the last 12 months"),
                check=lambda: selectors.figures_drift(as_of=timezone.localdate()),
                rebuild=services.figures_rebuild,
                after_seed=True,
            )
        )
        contribute.add_schedule(
            Schedule(
                name="costing: running figures",
                task="costing.figures_rebuild",
                crontab={"minute": "5", "hour": "0"},
                description=_("Recomputes every customer's 12-month profit figures as the window moves on a day."),
            )
        )
