from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custnotes.registry import registry


class Command(BaseCommand):
    help = (
        "Check every running figure the sections store for speed (registry.running_figures) against "
        "the records it comes from; --fix recomputes the ones that differ. Exits non-zero on drift without --fix."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recompute the figures that differ")

    def handle(self, *args, fix=False, **options):
        drifting = []
        for figures in registry.ordered(registry.running_figures):
            drift = figures.check()
            for example in drift.examples:
                self.stdout.write(f"{figures.title}: {example}")
            if drift.count:
                drifting.append(figures)
                self.stdout.write(
                    _("%(title)s: %(n)d records differ from their source.") % {"title": figures.title, "n": drift.count}
                )
            else:
                self.stdout.write(_("%(title)s: agree with their source.") % {"title": figures.title})
        if not drifting:
            return
        if not fix:
            raise CommandError(
                _("Running figures differ from their source (see above); run with --fix to recompute them.")
            )
        for figures in drifting:
            written = figures.rebuild()
            left = figures.check().count
            if left:
                raise CommandError(
                    _("%(title)s: %(n)d records still differ after recomputing.") % {"title": figures.title, "n": left}
                )
            self.stdout.write(_("%(title)s: recomputed (%(n)d records).") % {"title": figures.title, "n": written})
