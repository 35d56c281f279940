from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custnotes.backup import BackupError, backup_create, backup_prune, backup_storage


class Command(BaseCommand):
    help = "Back up the database and the media files into one checked archive, then apply the retention rule."

    def add_arguments(self, parser):
        parser.add_argument("--dest", metavar="DIR", help="a folder to write to instead of the backup storage")
        parser.add_argument("--keep-all", action="store_true", help="do not apply the retention rule")

    def handle(self, *args, **options):
        storage = backup_storage(options["dest"]) if options["dest"] else backup_storage()
        try:
            entry = backup_create(kind="manual", storage=storage)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Backup written: %(name)s (%(size)s bytes, %(backend)s).")
            % {"name": entry.name, "size": entry.size, "backend": entry.backend}
        )
        if not options["keep_all"]:
            for name in backup_prune(storage=storage):
                self.stdout.write(_("Removed by the retention rule: %(name)s") % {"name": name})
