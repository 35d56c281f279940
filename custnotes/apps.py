from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, **kwargs):
    """Keep the role groups complete once every app has its permissions (including third-party
    apps migrated after the data migration that first created the roles)."""
    from custnotes.roles import sync_roles

    sync_roles(create_missing_permissions=False)


class CustnotesConfig(AppConfig):
    name = "custnotes"
    verbose_name = _("custnotes")

    def ready(self):
        # Registered on our own app's post_migrate, which runs after auth created the permissions.
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="custnotes.sync_roles")

        from custnotes import panels
        from custnotes.registry import DashboardPanel, registry

        registry.add_panel(
            DashboardPanel(
                key="backups",
                title=_("Backups"),
                template="backups/panels/status.html",
                context=panels.backup_status,
                order=0,
                place="first",  # a failed backup is the first thing an Admin must see
                permission="custnotes.manage_backups",
                width="col-lg-12",
            )
        )

        from custnotes.registry import Schedule

        registry.add_schedule(
            Schedule(
                name="custnotes: daily backup",
                task="custnotes.backup",
                crontab={"minute": "15", "hour": "2"},
                description=_(
                    "Backs up the database and the uploaded files, then applies the retention rule "
                    "(7 daily, 4 weekly, 12 monthly)."
                ),
            )
        )
        registry.add_schedule(
            Schedule(
                name="custnotes: weekly backup verification",
                task="custnotes.backup_verify_latest",
                crontab={"minute": "15", "hour": "4", "day_of_week": "0"},
                description=_("Restores the newest backup into a scratch database and compares it with its manifest."),
            )
        )
