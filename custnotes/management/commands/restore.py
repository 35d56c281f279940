from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from custnotes.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup (a file, or an archive's name in the backup storage) into the configured database "
        "and the media folder. Every checksum and the manifest are checked first; on any failure nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive's path, or its name in the backup storage")
        parser.add_argument("--yes", action="store_true", help="replace the database and the media files")
        parser.add_argument("--no-media", action="store_true", help="restore the database only")

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError(
                _("A restore replaces the whole database and the media files: run it again with --yes to go on.")
            )
        try:
            manifest = backup_restore(name_or_path=options["archive"], media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            _("Restored the backup of %(created)s: %(tables)s tables, %(rows)s rows, checked against its manifest.")
            % {"created": manifest["created_at"], "tables": len(manifest["tables"]), "rows": rows}
        )
        from custnotes.backup.engines import migrations_pending

        if migrations_pending(connection.alias):
            # An archive of an older version: bring its schema up to this one.
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(_("Applied the migrations the backup did not have yet."))
