from django.core.management.base import BaseCommand, CommandError

from custnotes.dates import command_date
from customers.models import Customer
from valuation import services


class Command(BaseCommand):
    help = "Score customers' value (and with the risk section, their risk) as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=command_date, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--customer", type=int, default=None, help="only this customer's id")
        parser.add_argument("--unit", choices=["days", "weeks"], default="weeks")

    def handle(self, *args, as_of=None, customer=None, unit="weeks", **options):
        from django.utils import timezone

        as_of = as_of or timezone.localdate()
        if customer is not None:
            try:
                target = Customer.objects.get(pk=customer)
            except Customer.DoesNotExist as exc:
                raise CommandError(f"no customer with id {customer}") from exc
            row = services.valuation_rescore_customer(customer=target, as_of=as_of)
            if row is None:
                run = services.valuation_run(as_of=as_of, unit=unit)
                self.stdout.write(f"no run as of {as_of} yet: scored all {run.customers} customers")
                return
            self.stdout.write(f"{target.name}: tier {row.tier or '-'}, segment {row.segment or '-'}")
            return
        run = services.valuation_run(as_of=as_of, unit=unit)
        self.stdout.write(
            f"as of {run.as_of}: {run.customers} customers scored, {run.fitted_customers} in the fit, "
            f"{run.duration_ms} ms"
        )
