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
