from django.core.management.base import BaseCommand

from custnotes.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create the periodic jobs the apps declare, where missing (admin edits are kept)."

    def handle(self, *args, **options):
        created = schedules_ensure()
        for name in created:
            self.stdout.write(f"created schedule: {name}")
        if not created:
            self.stdout.write("schedules: nothing to create")
