"""Returns and reviews endpoints: parse, call one service or selector, render. The return in a path is looked up
(404 for another account's) before the body is read; ids in bodies resolve inside the account."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from omnisales.api.actors import actor_from_auth
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import BaseAPIView, ListMixin, RetrieveMixin, TenantViewSet

from . import examples, selectors, services
from .filters import ProductReviewFilterSet, ReturnFilterSet, ReviewFilterSet
from .models import ReturnRequest, Review
from .serializers import (
    AuthorizeSerializer,
    CloseSerializer,
    ModerateSerializer,
    ProductReviewsSerializer,
    ReceiveSerializer,
    ReturnCreateSerializer,
    ReturnRefundRequestSerializer,
    ReturnRefundSerializer,
    ReturnSerializer,
    ReviewCreateSerializer,
    ReviewSerializer,
    ReviewSettingsSerializer,
)

RETURN_TAGS = ["returns"]
REVIEW_TAGS = ["reviews"]

ERRORS = ErrorCatalog(
    error_example(
        "ORDER_NOT_RETURNABLE",
        "A pending order cannot be returned: only shipped or delivered orders",
        {"status": "pending"},
    ),
    error_example(
        "INVALID_RETURN_TRANSITION",
        "A return cannot go from rejected to authorized",
        {"from": "rejected", "to": "authorized", "allowed": []},
    ),
    error_example(
        "RETURN_NOT_REFUNDABLE", "A requested return cannot be refunded: receive it first", {"status": "requested"}
    ),
    error_example(
        "REFUND_EXCEEDS_PAID",
        "The refund is more than was paid and not yet refunded",
        {"amount": 150.0, "refundable": 99.99},
    ),
    error_example(
        "REFUND_IN_PROGRESS",
        "A refund of this order is waiting for the payment provider: repeat it (same amount) to complete it",
        {"refundId": examples.REFUND_ID, "amount": 1079.98, "returnId": examples.RETURN_ID},
    ),
    error_example(
        "PAYMENT_PROVIDER_UNAVAILABLE",
        "The payment provider is unavailable; try again shortly",
        {"provider": "stripe", "operation": "refund"},
    ),
    error_example(
        "DUPLICATE_REVIEW", "This customer has already reviewed this product", {"reviewId": examples.REVIEW_ID}
    ),
)


@extend_schema_view(
    list=extend_schema(summary="List returns, newest first", tags=RETURN_TAGS),
    retrieve=extend_schema(summary="Get a return", tags=RETURN_TAGS),
)
class ReturnViewSet(RetrieveMixin, ListMixin, TenantViewSet):
    """Return requests with their items and refunds."""

    queryset = ReturnRequest.objects.all()
    serializer_class = ReturnSerializer
    filterset_class = ReturnFilterSet
    scope_area = "returns"
    lookup_url_kwarg = "returnId"

    def get_queryset(self):
        return selectors.returns_with_items(super().get_queryset())

    def _answer(self, return_request, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=return_request.pk)
        return Response(self.represent(fresh), status=status_code)

    @extend_schema(
        summary="Request a return of lines of a shipped or delivered order",
        description="Each item's quantity is at most what was bought less what is already returned or requested "
        "in open returns (422 naming the item). Another status of the order is 409 ORDER_NOT_RETURNABLE. Emits "
        "return.requested.",
        request=ReturnCreateSerializer,
        responses={201: ReturnSerializer, 409: ERRORS.response("ORDER_NOT_RETURNABLE")},
        tags=RETURN_TAGS,
    )
    def create(self, request):
        data = self.payload(ReturnCreateSerializer)
        return_request = services.return_create(account=self.account, **data)
        return self._answer(return_request, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Authorize or reject a requested return",
        description="requested → authorized (approve, the default) or rejected; any other status is 409 "
        "INVALID_RETURN_TRANSITION. Emits return.authorized or return.rejected.",
        request=AuthorizeSerializer,
        responses={200: ReturnSerializer, 409: ERRORS.response("INVALID_RETURN_TRANSITION")},
        tags=RETURN_TAGS,
    )
    @action(detail=False, methods=["post"], url_path="authorize", url_name="authorize")
    def authorize(self, request):
        data = self.payload(AuthorizeSerializer)
        return self._answer(services.return_authorize(**data))

    @extend_schema(
        summary="Receive a return's goods back",
        description="authorized → received. Sellable units go back into the warehouse's stock through the "
        "inventory ledger (movement type return); damaged units are recorded, not restocked. More than was "
        "authorized is a 422 naming the item. Emits return.received.",
        request=ReceiveSerializer,
        responses={200: ReturnSerializer, 409: ERRORS.response("INVALID_RETURN_TRANSITION")},
        tags=RETURN_TAGS,
    )
    @action(detail=True, methods=["post"], url_path="receive", url_name="receive")
    def receive(self, request, returnId=None):
        return_request = self.get_object()
        data = self.payload(ReceiveSerializer)
        actor = actor_from_auth(self.auth_context)
        return self._answer(services.return_receive(return_request=return_request, actor=actor, **data))

    @extend_schema(
        summary="Close a received return without a refund",
        description="received → closed (an exchange, store credit). Any other status is 409 INVALID_RETURN_TRANSITION.",
        request=CloseSerializer,
        responses={200: ReturnSerializer, 409: ERRORS.response("INVALID_RETURN_TRANSITION")},
        tags=RETURN_TAGS,
    )
    @action(detail=True, methods=["post"], url_path="close", url_name="close")
    def close(self, request, returnId=None):
        return_request = self.get_object()
        data = self.payload(CloseSerializer)
        return self._answer(services.return_close(return_request=return_request, **data))


class ReturnRefundView(BaseAPIView):
    """Refunds call Stripe: no request transaction (the service commits short ones around the call)."""

    scope_area = "returns"
    atomic_writes = False

    @extend_schema(
        summary="Refund a received return, or give a goodwill refund of an order",
        description="With returnId: by default the value of what came back (unit prices and their share of the "
        "tax; includeShipping adds the shipping) less what was refunded for it, at most what the order has paid "
        "and not had back. With orderId: a goodwill refund of amount. A card payment is refunded through Stripe, "
        "other payments are recorded as refunded on the order; the order's payment status and the customer's "
        "totalSpent follow. The first refund moves the return to refunded and each emits return.refunded. If "
        "Stripe cannot be reached or times out (503) the refund stays pending: repeat it to complete it, Stripe "
        "refunds once.",
        request=ReturnRefundRequestSerializer,
        responses={
            201: ReturnRefundSerializer,
            409: ERRORS.response("RETURN_NOT_REFUNDABLE", "REFUND_EXCEEDS_PAID", "REFUND_IN_PROGRESS"),
            503: ERRORS.response("PAYMENT_PROVIDER_UNAVAILABLE"),
        },
        tags=RETURN_TAGS,
    )
    def post(self, request):
        data = self.payload(ReturnRefundRequestSerializer)
        refund = services.return_refund(
            account=self.account,
            return_request=data["return_request"],
            order=data["order"],
            amount=data["amount"],
            include_shipping=data["include_shipping"],
            reason=data["reason"],
            actor=actor_from_auth(self.auth_context),
        )
        return self.respond(ReturnRefundSerializer, refund, status.HTTP_201_CREATED)


PAGING = [
    OpenApiParameter("limit", int, description="Reviews per page, 1 to 250 (default 50)."),
    OpenApiParameter("offset", int, description="Reviews to skip (default 0)."),
]


@extend_schema_view(
    list=extend_schema(summary="List reviews, newest first (every moderation status)", tags=REVIEW_TAGS),
    retrieve=extend_schema(summary="Get a review", tags=REVIEW_TAGS),
)
class ReviewViewSet(RetrieveMixin, ListMixin, TenantViewSet):
    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet
    scope_area = "reviews"
    lookup_url_kwarg = "reviewId"

    @extend_schema(
        summary="Write a review of a product",
        description="verified when the customer bought the product in a delivered order (orderId's, when given). "
        "New reviews are pending until moderated, unless verified and the store auto-approves verified reviews "
        "(/api/reviews/settings). A customer reviews a product once: 409 DUPLICATE_REVIEW.",
        request=ReviewCreateSerializer,
        responses={201: ReviewSerializer, 409: ERRORS.response("DUPLICATE_REVIEW")},
        tags=REVIEW_TAGS,
    )
    @action(detail=False, methods=["post"], url_path="create", url_name="create")
    def write(self, request):
        review = services.review_create(account=self.account, **self.payload(ReviewCreateSerializer))
        return Response(self.represent(review), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve (publish) or reject (hide) a review, with an optional public reply",
        request=ModerateSerializer,
        responses={200: ReviewSerializer},
        tags=REVIEW_TAGS,
    )
    @action(detail=True, methods=["post"], url_path="moderate", url_name="moderate")
    def moderate(self, request, reviewId=None):
        review = self.get_object()
        data = self.payload(ModerateSerializer)
        return Response(self.represent(services.review_moderate(review=review, **data)))


class ProductReviewsViewSet(TenantViewSet):
    """A product's storefront reviews: the approved ones, paged, and the summary of all of them."""

    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    filterset_class = ProductReviewFilterSet
    scope_area = "reviews"

    @extend_schema(
        summary="A product's published reviews and their rating summary",
        description="The approved reviews of productId (of every product of the store when left out), newest "
        "first and paged (limit, offset; X-Total-Count and Link headers as on lists), with the summary of all of "
        "them, computed in one SQL statement: average rating, count and the count per rating 1-5.",
        parameters=[
            OpenApiParameter("productId", str, description="The product (prod_… id); left out: every product."),
            *PAGING,
        ],
        responses={200: ProductReviewsSerializer},
        tags=REVIEW_TAGS,
    )
    def summary(self, request):
        reviews = selectors.approved_reviews(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(reviews)
        body = {
            "product_id": request.query_params.get("productId") or None,
            "summary": selectors.review_summary(reviews),
            "reviews": page,
        }
        response = self.paginator.get_paginated_response(None)
        response.data = self.representation(ProductReviewsSerializer, body)
        return response


class ReviewSettingsView(BaseAPIView):
    scope_area = "reviews"

    @extend_schema(
        responses={200: ReviewSettingsSerializer}, summary="The store's review moderation settings", tags=REVIEW_TAGS
    )
    def get(self, request):
        return self.respond(ReviewSettingsSerializer, services.review_settings(self.account.pk))

    @extend_schema(
        request=ReviewSettingsSerializer,
        responses={200: ReviewSettingsSerializer},
        summary="Change whether reviews of verified purchases are published at once",
        tags=REVIEW_TAGS,
    )
    def patch(self, request):
        changes = self.payload(ReviewSettingsSerializer, partial=True)
        own = services.review_settings_update(account=self.account, **changes)
        return self.respond(ReviewSettingsSerializer, own)
