"""Jobs of the costs section: thin wrappers over the services. Idempotent."""

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from . import services

REBUILD_SCHEDULED = "costing:figures-rebuild-scheduled"  # cache key: a rebuild is already on its way
REBUILD_GUARD = 15 * 60  # seconds during which a second request for a rebuild is dropped


@shared_task(name="costing.figures_rebuild", acks_late=True)
def figures_rebuild() -> int:
    """Every customer's running figures as of today: nightly, when the T12M window moves on."""
    return services.figures_rebuild()


def figures_rebuild_soon() -> None:
    """Ask for a rebuild after the current transaction commits, unless one is on its way already
    (a page that found the figures out of date: it answered from the ledger meanwhile). A broker
    that is down loses nothing but speed: the nightly job rebuilds them too."""
    if cache.add(REBUILD_SCHEDULED, True, timeout=REBUILD_GUARD):
        transaction.on_commit(figures_rebuild.delay, robust=True)
