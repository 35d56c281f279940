from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from custnotes.importing import ImportRefused, run_import


class Command(BaseCommand):
    help = (
        "Import a customer book workbook (.xlsx): every row is checked first; nothing is written while any "
        "row is bad unless --good-rows-only, nor while sales would take a customer over its credit limit unless "
        "--confirm. Exits non-zero when there were errors or warnings to confirm."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--good-rows-only", action="store_true", help="import the good rows, report the bad")
        parser.add_argument("--user", default=None, help="import as this user (default: the first superuser)")
        parser.add_argument(
            "--confirm", action="store_true", help="import even when sales take customers over their credit limit"
        )

    def handle(self, *args, path, dry_run=False, good_rows_only=False, user=None, confirm=False, **options):
        if not Path(path).is_file():
            raise CommandError(f"no such file: {path}")
        User = get_user_model()
        if user:
            account = User.objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"no active user {user}")
        else:
            account = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if account is None:
                raise CommandError("no superuser to import as: pass --user")
        try:
            result = run_import(path, user=account, dry_run=dry_run, good_rows_only=good_rows_only, confirmed=confirm)
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        for error in result.errors:
            self.stderr.write(f"{error.sheet} row {error.row} [{error.column}]: {error.message}")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning.sheet} row {warning.row} [{warning.column}]: {warning.message}")
        would = "would be " if dry_run else ""
        for sheet, counts in result.counts.items():
            self.stdout.write(
                f"{sheet}: {would}created {counts['created']}, {would}updated {counts['updated']}, "
                f"unchanged {counts['unchanged']}, errors {counts['errors']}"
            )
        total = sum(c["created"] + c["updated"] for c in result.counts.values())
        if dry_run:
            self.stdout.write(f"dry run: nothing written ({total} records would be); {result.error_count} errors")
        elif result.written:
            self.stdout.write(f"imported: {total} records written; {result.error_count} errors")
        elif result.held and (good_rows_only or not result.errors):
            self.stdout.write(f"nothing imported: {len(result.warnings)} warnings to confirm (--confirm)")
        else:
            self.stdout.write(f"nothing imported: {result.error_count} errors")
        if result.error_count:
            raise CommandError(f"{result.error_count} errors")
        if result.held:
            raise CommandError(f"{len(result.warnings)} warnings: run again with --confirm to import")
