from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from transactions import selectors, services

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check the running figures the ledger keeps (each sale's paid and open amount, each payment's "
        "allocated, refunded and unallocated amount) against the allocations and refunds they come from; "
        "--fix recomputes them. Exits non-zero on drift without --fix."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="recompute every sale's and every payment's running figures"
        )

    def handle(self, *args, fix=False, **options):
        sales = selectors.sales_paid_drift()
        payments = selectors.payments_figures_drift()
        sale_count, payment_count = sales.count(), payments.count()
        for sale in sales[:SHOWN]:
            self.stdout.write(selectors.sale_drift_text(sale))
        for payment in payments[:SHOWN]:
            self.stdout.write(selectors.payment_drift_text(payment))
        if not sale_count and not payment_count:
            self.stdout.write(_("The ledger's running figures agree with the allocations."))
            return
        if not fix:
            raise CommandError(
                _(
                    "%(sales)d sales' and %(payments)d payments' running figures differ from their allocations "
                    "and refunds; run with --fix to recompute them."
                )
                % {"sales": sale_count, "payments": payment_count}
            )
        services.ledger_figures_rebuild()
        left_sales = selectors.sales_paid_drift().count()
        left_payments = selectors.payments_figures_drift().count()
        if left_sales or left_payments:
            raise CommandError(
                _("%(sales)d sales and %(payments)d payments still differ after recomputing.")
                % {"sales": left_sales, "payments": left_payments}
            )
        self.stdout.write(
            _("Recomputed: %(sales)d sales and %(payments)d payments corrected.")
            % {"sales": sale_count, "payments": payment_count}
        )
