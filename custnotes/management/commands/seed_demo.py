import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from custnotes import seeding
from custnotes.registry import registry


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Generate a large, realistic demo company (customers, sales, payments, costs, campaigns, users in every "
        "role) into a database without customers. The same --seed gives the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=_count, required=True, help="How many customers.")
        parser.add_argument("--sales", type=_count, required=True, help="How many sales, in all.")
        parser.add_argument(
            "--payments", type=_count, help="How many payments (receipts and refunds); default 3/4 of the sales."
        )
        parser.add_argument("--costs", type=_count, help="How many cost entries; default 15 % of the sales.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random draws (default 1).")
        parser.add_argument(
            "--password", default=seeding.DEMO_PASSWORD, help="Password of every seeded user (default custnotes-demo)."
        )

    def handle(self, *args, customers, sales, payments, costs, seed, password, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(_("Demo data is never loaded with production settings."))
        if apps.get_model("customers", "Customer").objects.exists():
            raise CommandError(_("The database already has customers; seed_demo writes only into one without."))
        if sales and not customers:
            raise CommandError(_("Sales need customers: give --customers."))
        counts = seeding.SeedCounts(
            customers=customers,
            sales=sales,
            payments=round(sales * 0.75) if payments is None else payments,
            costs=round(sales * 0.15) if costs is None else costs,
            seed=seed,
        )
        started = time.monotonic()
        try:
            written = seeding.seed(counts, password=password, stdout=self.stdout if options["verbosity"] > 1 else None)
        except seeding.SeedError as error:
            raise CommandError(str(error)) from error
        for figures in registry.ordered(registry.running_figures):
            if figures.after_seed:  # the seeder wrote their sources in bulk, past the write services
                written[figures.name] = figures.rebuild()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # the planner's statistics of the new rows, before anyone reads them
        for table, rows in sorted(written.items()):
            self.stdout.write(f"{table}: {rows:,}")
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data seeded in %(seconds).1f s; every seeded user's password is the one given.")
                % {"seconds": time.monotonic() - started}
            )
        )
