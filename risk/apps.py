from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk warnings")

    def ready(self):
        from custnotes.registry import NavItem, NotebookSection, SaleCheck, ScoringStep, registry

        from . import notebook, selectors, services

        group = _("Risk warnings")
        registry.add_nav(
            NavItem(_("Risk"), "risk:dashboard", 50, "risk.view_riskalert", "shield-exclamation", group=group)
        )
        registry.add_nav(
            NavItem(
                _("Alerts"),
                "risk:alerts",
                51,
                "risk.view_riskalert",
                "bell",
                badge=selectors.open_alert_count,
                group=group,
            )
        )
        registry.add_section(
            NotebookSection(
                key="risk",
                title=_("Risk warnings"),
                template="risk/sections/risk.html",
                context=notebook.risk_context,
                order=50,
                permission="risk.view_riskalert",
            )
        )
        registry.add_scoring_step(ScoringStep("risk", services.risk_score_run, order=10))
        registry.add_sale_check(SaleCheck("credit", prepare=services.sale_check_prepare, check=services.sale_check))
        from custnotes.registry import ReportEntry

        from . import sheets

        registry.add_summary(sheets.PROVIDER)
        registry.add_sheet(sheets.SHEET)
        registry.add_report(
            ReportEntry(
                _("Risk"),
                _("Alerts by kind and level, top overdue debtors, revenue concentration, industries."),
                "risk:dashboard",
                50,
                "risk.view_riskalert",
                "shield-exclamation",
            )
        )
        from custnotes.registry import DashboardPanel

        from . import panels

        registry.add_panel(
            DashboardPanel(
                "changed",
                _("Verdicts that changed"),
                "risk/panels/changed.html",
                panels.changed_verdicts,
                10,
                "risk.view_riskalert",
                "col-lg-7",
            )
        )
        registry.add_panel(
            DashboardPanel(
                "alerts",
                _("Open alerts for me"),
                "risk/panels/alerts.html",
                panels.my_alerts,
                11,
                "risk.view_riskalert",
                "col-lg-5",
            )
        )
