"""Order confirmation, shipped and refund emails, sent after the order's transaction commits."""

from accounts.models import Account
from orders.models import Channel, Order
from orders.selectors import orders_with_items

from .. import dispatch
from ..models import EmailTemplate, TemplateKind
from ._common import account_context, customer_context
from .messages import message_record_created
from .templates import transactional_templates_seed

MARKETPLACE_CHANNELS = frozenset({Channel.SHOPEE, Channel.LAZADA, Channel.FACEBOOK})


def kind_of(event: str, data: dict) -> str | None:
    """The template an order event sends, if any (`data` as webhook payloads carry it: camelCase). None for
    marketplace orders: the marketplace tells its buyers itself (and their emails are masked relays)."""
    if data.get("channel") in MARKETPLACE_CHANNELS:
        return None
    if event == "order.created":
        return TemplateKind.ORDER_CONFIRMATION
    if event != "order.updated":
        return None
    if (data.get("changes") or {}).get("status", {}).get("to") == "shipped":
        return TemplateKind.ORDER_SHIPPED
    if "amountRefunded" in (data.get("changedFields") or []):
        return TemplateKind.REFUND_ISSUED
    return None


def _order_context(order: Order) -> dict:
    return {
        "id": order.pk,
        "status": order.status,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "tax": order.tax,
        "shipping": order.shipping_amount,
        "total": order.total,
        "amount_refunded": order.amount_refunded,
        "refund_amount": order.amount_refunded,
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "created_at": order.created_at,
        "items": [
            {
                "product_name": item.product_name,
                "sku": item.sku,
                "quantity": item.quantity,
                "price": item.unit_price,
                "line_total": item.line_total,
            }
            for item in order.items.all()
        ],
    }


def order_event_notify(*, account_id: str, event: str, event_id: str, data: dict) -> str | None:
    """Records and enqueues the event's email for the order's customer; None when there is nothing to
    send (no such kind, template switched off, no customer email) or it was recorded already."""
    kind = kind_of(event, data)
    if kind is None:
        return None
    account = Account.objects.get(pk=account_id)
    transactional_templates_seed(account=account)
    template = EmailTemplate.objects.filter(account=account, kind=kind, is_active=True).first()
    order = (
        orders_with_items(Order.objects.select_related("customer"))
        .filter(account=account, pk=data.get("orderId"))
        .first()
    )
    if template is None or order is None or order.customer is None or not order.customer.email:
        return None
    context = {
        "customer": customer_context(order.customer),
        "order": _order_context(order),
        "account": account_context(account),
    }
    message = message_record_created(
        account=account,
        to=order.customer.email,
        template=template,
        context=context,
        customer=order.customer,
        dedupe_key=f"{event_id}:{kind}",
    )
    if message is None:
        return None
    dispatch.enqueue_on_commit(dispatch.MESSAGE_DELIVER, args=[message.pk])
    return message.pk
