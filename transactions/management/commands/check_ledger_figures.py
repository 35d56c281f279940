from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from custnotes.money import format_money
from transactions import selectors, services

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check the running figures the ledger keeps (each sale's paid and open amount) against the "
        "allocations they come from; --fix recomputes them. Exits non-zero on drift without --fix."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recompute every sale's running figures")

    def handle(self, *args, fix=False, **options):
        drift = selectors.sales_paid_drift()
        count = drift.count()
        for sale in drift[:SHOWN]:
            self.stdout.write(
                _("sale #%(id)s: paid %(stored)s recorded, %(source)s allocated")
                % {"id": sale.pk, "stored": format_money(sale.paid_to_date), "source": format_money(sale.allocated)}
            )
        if not count:
            self.stdout.write(_("The ledger's running figures agree with the allocations."))
            return
        if not fix:
            raise CommandError(
                _("%(n)d sales' running figures differ from their allocations; run with --fix to recompute them.")
                % {"n": count}
            )
        with transaction.atomic():
            services.sales_paid_refresh()
        left = selectors.sales_paid_drift().count()
        if left:
            raise CommandError(_("%(n)d sales still differ after recomputing.") % {"n": left})
        self.stdout.write(_("Recomputed: %(n)d sales corrected.") % {"n": count})
