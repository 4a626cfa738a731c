"""Product reviews: writing one (verified when its customer bought the product in a delivered order), one
per customer and product, moderation, and the account's auto-approval setting."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from catalog.models import Product
from customers.models import Customer
from omnisales.api.transactions import atomic_service
from orders.models import Order, OrderItem, OrderStatus

from ..exceptions import DuplicateReview
from ..models import Review, ReviewSettings, ReviewStatus
from ._common import _invalid


def review_settings(account_id: str) -> ReviewSettings:
    """The account's review settings (the defaults until changed)."""
    return ReviewSettings.objects.filter(account_id=account_id).first() or ReviewSettings(account_id=account_id)


@atomic_service
def review_settings_update(*, account: Account, auto_approve_verified: bool | None = None) -> ReviewSettings:
    own, _ = ReviewSettings.objects.select_for_update().get_or_create(account=account)
    if auto_approve_verified is not None and own.auto_approve_verified != auto_approve_verified:
        own.auto_approve_verified = auto_approve_verified
        own.save(update_fields=["auto_approve_verified", "updated_at"])
    return own


def _duplicate(existing_id: str) -> DuplicateReview:
    return DuplicateReview("This customer has already reviewed this product", details={"review_id": existing_id})


def is_verified_purchase(*, customer: Customer, product: Product, order: Order | None = None) -> bool:
    """Whether `customer` bought `product` in a delivered order (`order`, when given)."""
    lines = OrderItem.objects.filter(
        account_id=customer.account_id, order__customer=customer, order__status=OrderStatus.DELIVERED, product=product
    )
    if order is not None:
        lines = lines.filter(order=order)
    return lines.exists()


@atomic_service
def review_create(
    *,
    account: Account,
    product: Product,
    rating: int,
    title: str,
    body: str = "",
    customer: Customer | None = None,
    order: Order | None = None,
) -> Review:
    """A review of `product`. With `order` and no `customer`, the order's customer wrote it; an order of
    another customer, or without the product, is a 422 on orderId. `verified` when the customer bought the
    product in a delivered order (that order, when given). Published at once (approved) only when verified
    and the account auto-approves verified reviews; pending otherwise. A second review by the same
    customer of the same product is 409 DUPLICATE_REVIEW (a unique constraint settles races)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise _invalid({"rating": ["A whole number from 1 to 5."]})
    title = (title or "").strip()
    if not title:
        raise _invalid({"title": ["This field may not be blank."]})
    if order is not None:
        if customer is None:
            customer = order.customer
        elif order.customer_id != customer.pk:
            raise _invalid({"order_id": ["This order is another customer's."]})
        if not OrderItem.objects.filter(order=order, product=product).exists():
            raise _invalid({"order_id": ["This order has no line of this product."]})
    if customer is not None:
        existing = Review.objects.filter(account=account, product=product, customer=customer).first()
        if existing is not None:
            raise _duplicate(existing.pk)
    verified = customer is not None and is_verified_purchase(customer=customer, product=product, order=order)
    approved = verified and review_settings(account.pk).auto_approve_verified
    review = Review(
        account=account,
        product=product,
        customer=customer,
        order=order,
        rating=rating,
        title=title,
        body=body,
        verified=verified,
        status=ReviewStatus.APPROVED if approved else ReviewStatus.PENDING,
        moderated_at=timezone.now() if approved else None,
    )
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError:
        existing = Review.objects.filter(account=account, product=product, customer=customer).first()
        raise _duplicate(existing.pk if existing else "") from None
    return review


@atomic_service
def review_moderate(*, review: Review, status: str, reply: str | None = None) -> Review:
    """Approves (published on the product) or rejects (hidden) a review, from any status; `reply`, when
    given, is the merchant's public answer (empty removes it)."""
    if status not in (ReviewStatus.APPROVED, ReviewStatus.REJECTED):
        raise _invalid({"status": ["approved or rejected."]})
    locked = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    locked.status, locked.moderated_at = status, timezone.now()
    fields = ["status", "moderated_at", "updated_at"]
    if reply is not None:
        locked.reply = reply
        fields.append("reply")
    locked.save(update_fields=fields)
    return locked
