from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custnotes.backup import BackupError, backup_verify, backup_verify_latest, backup_verify_path


class Command(BaseCommand):
    help = (
        "Verify a backup by restoring it into a scratch database: migrate --check, and every table's row "
        "count and money totals against the manifest. A backup from the catalogue records the result."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", nargs="?", help="the archive's path, or its name in the backup storage")
        parser.add_argument("--latest", action="store_true", help="verify the newest backup in the storage")

    def handle(self, *args, **options):
        name = options["archive"]
        if not name and not options["latest"]:
            raise CommandError(_("Name an archive, or give --latest."))
        try:
            if options["latest"]:
                entry = backup_verify_latest()
                if entry is None:
                    raise CommandError(_("There is no backup to verify."))
                ok, message = entry.verify_ok, entry.verify_message
            elif Path(name).is_file():
                ok, message = backup_verify_path(name)
            else:
                entry = backup_verify(name=name)
                ok, message = entry.verify_ok, entry.verify_message
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not ok:
            raise CommandError(_("Verification failed: %(message)s") % {"message": message})
        self.stdout.write(_("Verified: %(message)s") % {"message": message})
