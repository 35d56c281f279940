from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransactionsConfig(AppConfig):
    name = "transactions"
    verbose_name = _("Transactions")

    def ready(self):
        from custnotes.registry import DemoLoader, NavItem, NotebookSection, Schedule, registry

        contribute = registry.section("transactions", after="customers")

        from . import demo, notebook

        group = _("Transactions")
        contribute.add_nav(
            NavItem(
                label=_("Sales"),
                url_name="transactions:sales",
                order=20,
                permission="transactions.view_sale",
                icon="receipt",
                group=group,
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Payments"),
                url_name="transactions:payments",
                order=21,
                permission="transactions.view_payment",
                icon="cash-coin",
                group=group,
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Receivables aging"),
                url_name="transactions:aging",
                order=22,
                permission="transactions.view_sale",
                icon="hourglass-split",
                group=group,
            )
        )
        contribute.add_nav(
            NavItem(
                label=_("Payment methods"),
                url_name="transactions:methods",
                order=23,
                permission="transactions.view_paymentmethod",
                icon="credit-card",
                group=group,
            )
        )
        contribute.add_section(
            NotebookSection(
                key="ledger",
                title=_("Transactions"),
                template="transactions/sections/ledger.html",
                context=notebook.ledger_context,
                order=20,
                permission="transactions.view_sale",
            )
        )
        contribute.add_demo(DemoLoader(name="transactions", load=demo.load, order=20))
        contribute.add_schedule(
            Schedule(
                name="customer types: daily refresh",
                task="transactions.customer_types_refresh",
                crontab={"minute": "15", "hour": "2"},
                description=_("Moves new customers to existing 12 months after their first sale."),
            )
        )
        from custnotes.registry import ReportEntry, RunningFigures

        from . import selectors, services, sheets

        contribute.add_running_figures(
            RunningFigures(
                name="ledger figures",
                title=_("Sales' paid and receipts' applied amounts"),
                check=selectors.ledger_figures_drift,
                rebuild=services.ledger_figures_rebuild,
            )
        )

        contribute.add_summary(sheets.PROVIDER)
        contribute.add_sheet(sheets.SALES_SHEET)
        contribute.add_sheet(sheets.PAYMENTS_SHEET)
        contribute.add_report(
            ReportEntry(
                title=_("Receivables aging"),
                description=_("Open receivables per customer by days past due, with totals; as of any date."),
                url_name="transactions:aging",
                order=20,
                permission="transactions.view_sale",
                icon="hourglass-split",
            )
        )
        from custnotes.registry import DashboardPanel

        from . import panels

        contribute.add_panel(
            DashboardPanel(
                key="due",
                title=_("Receivables due this week"),
                template="transactions/panels/due.html",
                context=panels.due_this_week,
                order=20,
                permission="transactions.view_sale",
                width="col-lg-5",
            )
        )
        contribute.add_panel(
            DashboardPanel(
                key="cashflow",
                title=_("Revenue and collections by month"),
                template="transactions/panels/cashflow.html",
                context=panels.cashflow,
                order=21,
                permission="transactions.view_payment",
                width="col-lg-7",
            )
        )
        from . import imports

        contribute.add_import_sheet(imports.SALES_SHEET)
        contribute.add_import_sheet(imports.PAYMENTS_SHEET)
