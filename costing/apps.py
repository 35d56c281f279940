from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CostingConfig(AppConfig):
    name = "costing"
    verbose_name = _("Costs and profit")

    def ready(self):
        from custnotes.registry import DemoLoader, NavItem, NotebookSection, registry

        from . import demo, notebook

        group = _("Costs and profit")
        registry.add_nav(NavItem(_("Costs"), "costing:costs", 30, "costing.view_costentry", "wallet2", group=group))
        registry.add_nav(
            NavItem(
                _("Profitability"),
                "costing:profitability",
                31,
                "costing.view_costentry",
                "graph-up",
                group=group,
            )
        )
        registry.add_nav(
            NavItem(_("Campaigns"), "costing:campaigns", 32, "costing.view_campaign", "megaphone", group=group)
        )
        registry.add_section(
            NotebookSection(
                key="costs",
                title=_("Costs and profit"),
                template="costing/sections/costs.html",
                context=notebook.costs_context,
                order=30,
                permission="costing.view_costentry",
            )
        )
        registry.add_demo(DemoLoader("costing", demo.load, order=30))
        from custnotes.registry import ReportEntry

        from . import sheets

        registry.add_summary(sheets.PROVIDER)
        registry.add_sheet(sheets.SHEET)
        registry.add_report(
            ReportEntry(
                _("Profitability"),
                _("Every customer's revenue, costs and contribution profit over a window, sortable, with totals."),
                "costing:profitability",
                30,
                "costing.view_costentry",
                "graph-up",
            )
        )
        registry.add_report(
            ReportEntry(
                _("Campaigns"),
                _("Each campaign's cost, targets, the targets' revenue in the period and the ROI."),
                "costing:campaigns",
                31,
                "costing.view_campaign",
                "megaphone",
            )
        )
        from . import imports

        registry.add_import_sheet(imports.SHEET)
