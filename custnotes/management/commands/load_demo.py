from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from custnotes.registry import registry


class Command(BaseCommand):
    help = "Load the demo company (users, teams, customers, ...) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has users.",
        )

    def handle(self, *args, if_empty=False, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is never loaded with production settings.")
        if get_user_model().objects.exists():
            if if_empty:
                self.stdout.write("demo data: the database is not empty, nothing loaded")
                return
            raise CommandError("The database is not empty; demo data loads only into an empty one.")
        with transaction.atomic():
            for loader in registry.ordered(registry.demo_loaders):
                loader.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data loaded; every demo password is custnotes-demo"))
