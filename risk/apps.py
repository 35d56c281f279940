from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk warnings")

    def ready(self):
        from custnotes.registry import NavItem, NotebookSection, SaleCheck, ScoringStep, registry

        contribute = registry.section("risk", after="valuation")

        from . import notebook, selectors, services

        group = _("Risk warnings")
        contribute.add_nav(
            NavItem(
                label=_("Risk"),
                url_name="risk:dashboard",
                order=50,
                permission="risk.view_riskalert",
                icon="shield-exclamation",
                group=group,
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Alerts"),
                url_name="risk:alerts",
                order=51,
                permission="risk.view_riskalert",
                icon="bell",
                badge=selectors.open_alert_count,
                group=group,
            )
        )
        contribute.add_section(
            NotebookSection(
                key="risk",
                title=_("Risk warnings"),
                template="risk/sections/risk.html",
                context=notebook.risk_context,
                order=50,
                permission="risk.view_riskalert",
            )
        )
        contribute.add_scoring_step(ScoringStep(name="risk", run=services.risk_score_run, order=10))
        contribute.add_sale_check(
            SaleCheck(name="credit", prepare=services.sale_check_prepare, check=services.sale_check)
        )
        from custnotes.registry import ReportEntry

        from . import sheets

        contribute.add_summary(sheets.PROVIDER)
        contribute.add_sheet(sheets.SHEET)
        contribute.add_report(
            ReportEntry(
                title=_("Risk"),
                description=_("Alerts by kind and level, top overdue debtors, revenue concentration, industries."),
                url_name="risk:dashboard",
                order=50,
                permission="risk.view_riskalert",
                icon="shield-exclamation",
            )
        )
        from custnotes.registry import DashboardPanel

        from . import panels

        contribute.add_panel(
            DashboardPanel(
                key="changed",
                title=_("Verdicts that changed"),
                template="risk/panels/changed.html",
                context=panels.changed_verdicts,
                order=10,
                place="first",  # what needs attention opens the home page
                permission="risk.view_riskalert",
                width="col-lg-7",
            )
        )
        contribute.add_panel(
            DashboardPanel(
                key="alerts",
                title=_("Open alerts for me"),
                template="risk/panels/alerts.html",
                context=panels.my_alerts,
                order=11,
                place="first",
                permission="risk.view_riskalert",
                width="col-lg-5",
            )
        )
