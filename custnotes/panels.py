"""The project's own panel of the home dashboard: the backups, for the Admins."""

from custnotes import backup


def backup_status(*, user, customers, as_of):
    """The newest complete backup and, when the newest attempt or verification failed, that failure."""
    latest = next((entry for entry in backup.backup_list() if entry.status == "ok"), None)
    return {"latest": latest, "problem": backup.backup_problem()}
