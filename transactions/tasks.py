from celery import shared_task

from . import services


@shared_task(name="transactions.customer_types_refresh")
def customer_types_refresh() -> int:
    """Daily: move customers along prospect -> new -> existing where time alone changes the rule."""
    return services.customer_types_refresh()
