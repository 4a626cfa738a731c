"""Background work of loyalty: thin, idempotent tasks that take ids and call a service. The earning and
reversal tasks are enqueued by name from the `order.updated` subscriber (services.points.subscribe); the
expiry runs daily on beat (CELERY_BEAT_SCHEDULE "loyalty-expire-points")."""

from celery import shared_task

from orders.models import Order

from .services import points


def _order(order_id: str) -> Order | None:
    return Order.objects.filter(pk=order_id).first()


@shared_task(name=points.EARN_TASK, acks_late=True)
def points_earn_task(order_id: str) -> str | None:
    """The delivered order's points, once (None: no active program, nothing to earn, or earned already)."""
    order = _order(order_id)
    row = points.points_earn(order=order) if order is not None else None
    return row.pk if row is not None else None


@shared_task(name=points.REVERSE_TASK, acks_late=True)
def points_reverse_task(order_id: str) -> str | None:
    """Takes back the share of a refunded order's points not taken back yet."""
    order = _order(order_id)
    row = points.points_reverse(order=order) if order is not None else None
    return row.pk if row is not None else None


@shared_task(name="loyalty.tasks.points_expire_task", acks_late=True, soft_time_limit=1740, time_limit=1800)
def points_expire_task() -> int:
    """Beat, daily: expires what is left of the lots that are due, in batches; returns the points expired."""
    return points.points_expire()
