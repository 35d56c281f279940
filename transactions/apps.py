from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransactionsConfig(AppConfig):
    name = "transactions"
    verbose_name = _("Transactions")

    def ready(self):
        from custnotes.registry import DemoLoader, NavItem, NotebookSection, Schedule, registry

        from . import demo, notebook

        group = _("Transactions")
        registry.add_nav(
            NavItem(
                _("Sales"),
                "transactions:sales",
                20,
                "transactions.view_sale",
                "receipt",
                group=group,
            )
        )
        registry.add_nav(
            NavItem(
                _("Payments"),
                "transactions:payments",
                21,
                "transactions.view_payment",
                "cash-coin",
                group=group,
            )
        )
        registry.add_nav(
            NavItem(
                _("Receivables aging"),
                "transactions:aging",
                22,
                "transactions.view_sale",
                "hourglass-split",
                group=group,
            )
        )
        registry.add_nav(
            NavItem(
                _("Payment methods"),
                "transactions:methods",
                23,
                "transactions.view_paymentmethod",
                "credit-card",
                group=group,
            )
        )
        registry.add_section(
            NotebookSection(
                key="ledger",
                title=_("Transactions"),
                template="transactions/sections/ledger.html",
                context=notebook.ledger_context,
                order=20,
                permission="transactions.view_sale",
            )
        )
        registry.add_demo(DemoLoader("transactions", demo.load, order=20))
        registry.add_schedule(
            Schedule(
                name="customer types: daily refresh",
                task="transactions.customer_types_refresh",
                crontab={"minute": "15", "hour": "2"},
                description=_("Moves new customers to existing 12 months after their first sale."),
            )
        )
        from custnotes.registry import ReportEntry

        from . import sheets

        registry.add_summary(sheets.PROVIDER)
        registry.add_sheet(sheets.SALES_SHEET)
        registry.add_sheet(sheets.PAYMENTS_SHEET)
        registry.add_report(
            ReportEntry(
                _("Receivables aging"),
                _("Open receivables per customer by days past due, with totals; as of any date."),
                "transactions:aging",
                20,
                "transactions.view_sale",
                "hourglass-split",
            )
        )
        from custnotes.registry import DashboardPanel

        from . import panels

        registry.add_panel(
            DashboardPanel(
                "due",
                _("Receivables due this week"),
                "transactions/panels/due.html",
                panels.due_this_week,
                20,
                "transactions.view_sale",
                "col-lg-5",
            )
        )
        registry.add_panel(
            DashboardPanel(
                "cashflow",
                _("Revenue and collections by month"),
                "transactions/panels/cashflow.html",
                panels.cashflow,
                21,
                "transactions.view_payment",
                "col-lg-7",
            )
        )
        from . import imports

        registry.add_import_sheet(imports.SALES_SHEET)
        registry.add_import_sheet(imports.PAYMENTS_SHEET)
