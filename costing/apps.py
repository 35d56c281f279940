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
