"""Backups that restore: the archive (archive.py), the per-backend dump, scratch copy and swap
(engines.py), the catalogue beside the archives (catalogue.py), the retention rule (retention.py) and
the workflows (services.py). Pages, commands and jobs use what this module exports."""

from .catalogue import BackupEntry, backup_storage
from .errors import BackupError
from .retention import retention_keep
from .services import (
    backup_create,
    backup_list,
    backup_open,
    backup_problem,
    backup_prune,
    backup_restore,
    backup_verify,
    backup_verify_latest,
    backup_verify_path,
)

__all__ = [
    "BackupEntry",
    "BackupError",
    "backup_create",
    "backup_list",
    "backup_open",
    "backup_problem",
    "backup_prune",
    "backup_restore",
    "backup_storage",
    "backup_verify",
    "backup_verify_latest",
    "backup_verify_path",
    "retention_keep",
]
