from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from custnotes.dates import command_date
from custnotes.workbook import write_workbook
from customers.models import Customer


class Command(BaseCommand):
    help = "Write the notebook workbook (customer summary and one sheet per section) to PATH (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--as-of", type=command_date, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--customer", type=int, default=None, help="only this customer's id")

    def handle(self, *args, path: str, as_of=None, customer=None, **options):
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            raise CommandError("the workbook's name must end in .xlsx")
        if not target.parent.exists():
            raise CommandError(f"no such folder: {target.parent}")
        customers = Customer.objects.order_by("pk")
        if customer is not None:
            customers = customers.filter(pk=customer)
            if not customers.exists():
                raise CommandError(f"no customer with id {customer}")
        as_of = as_of or timezone.localdate()
        workbook = write_workbook(customers=customers, as_of=as_of)
        workbook.save(target)
        self.stdout.write(f"wrote {target} as of {as_of}: {customers.count()} customers")
