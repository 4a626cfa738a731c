"""Order endpoints: parse, call one service or selector, render. The order in the path is always looked
up (404 for another account's) before the body is read."""

from djangorestframework_camel_case.parser import CamelCaseJSONParser
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.examples import INSUFFICIENT_STOCK
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import ListMixin, RetrieveMixin, TenantViewSet

from . import examples, selectors, services
from .actors import actor_from_auth
from .filters import OrderFilter
from .models import Order
from .serializers import (
    NoteCreateSerializer,
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderItemSerializer,
    OrderSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    ShippingSerializer,
    ShippingUpdateSerializer,
    StatusUpdateSerializer,
)

TAGS = ["orders"]


ERRORS = ErrorCatalog(
    error_example(*examples.TRANSITION_CONFLICT),
    error_example(*INSUFFICIENT_STOCK),
    error_example("CUSTOMER_ANONYMIZED", "This customer was deleted and cannot place orders", {"id": "cus_123"}),
    error_example(
        "SHIPPING_LOCKED", "The shipping address cannot change once the order has shipped", {"status": "shipped"}
    ),
    error_example(
        "PAYMENT_EXCEEDS_BALANCE",
        "The payment is more than the order's outstanding balance",
        {"amount": 1200.0, "balance": 1099.98},
    ),
    error_example("ORDER_NOT_PAYABLE", "A cancelled order cannot take payments", {"status": "cancelled"}),
    error_example(*examples.VARIANT_REQUIRED),
    error_example("DISCOUNT_CODE_NOT_FOUND", "Discount code not found", {"code": "SUMMER2024"}),
    error_example(
        "DISCOUNT_NOT_APPLICABLE",
        "This discount code has expired",
        {"code": "SUMMER2024", "reason": "expired"},
    ),
)


TRANSITION_CONFLICT = {
    409: ERRORS.response(
        "INVALID_STATUS_TRANSITION",
        "INSUFFICIENT_STOCK",
        description="INVALID_STATUS_TRANSITION: details {from, to, allowed}; INSUFFICIENT_STOCK: shipping while "
        "backordered units are not in stock",
    )
}


@extend_schema_view(
    list=extend_schema(summary="List orders", responses={200: OrderSerializer(many=True)}, tags=TAGS),
    retrieve=extend_schema(summary="Get an order", responses={200: OrderSerializer}, tags=TAGS),
)
class OrderViewSet(ListMixin, RetrieveMixin, TenantViewSet):
    """Orders across every sales channel, newest first."""

    queryset = Order.objects.all()
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    scope_area = "orders"
    lookup_url_kwarg = "orderId"
    compiled_object_actions = ("retrieve",)
    compiled_list = True
    parser_classes = [CamelCaseJSONParser]

    def base_queryset(self):
        if self.action in ("list", "retrieve"):  # reads that only render: rows, not instances
            return selectors.order_rows()
        return super().base_queryset()

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action in ("list", "retrieve") else selectors.orders_with_items(queryset)

    @property
    def actor(self):
        return actor_from_auth(self.auth_context)

    @extend_schema(
        summary="Create an order",
        description="Each line names a `variantId`, or a `productId` alone for a product without options (a "
        "product with several variants is a 422 VARIANT_REQUIRED listing them). Prices default to the "
        "variant's; the product's name and the variant's SKU and title are copied onto each line; subtotal, "
        "tax, shipping and total are computed with the store's tax settings (docs/orders.md). Only active "
        "products and variants that are not archived can be ordered (422 PRODUCT_NOT_AVAILABLE); one line per "
        "variant. Send an Idempotency-Key to retry safely.",
        request=OrderCreateSerializer,
        responses={
            201: OrderSerializer,
            404: ERRORS.response("DISCOUNT_CODE_NOT_FOUND"),
            409: ERRORS.response("CUSTOMER_ANONYMIZED", "INSUFFICIENT_STOCK"),
            422: ERRORS.response("VARIANT_REQUIRED", "DISCOUNT_NOT_APPLICABLE"),
        },
        tags=TAGS,
    )
    def create(self, request):
        data = self.payload(OrderCreateSerializer)
        order = services.order_create(
            account=self.account,
            customer=data["customer"],
            items=data["items"],
            channel=data["channel"],
            shipping=data["shipping"],
            shipping_address=data["shipping_address"],
            notes=data["notes"],
            payment_method=data["payment_method"],
            discount_code=data["discount_code"],
            actor=self.actor,
        )
        return Response(self.represent(order), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update an order's status",
        description="pending → processing → shipped → delivered; cancelled from pending or processing. "
        "Anything else is 409 INVALID_STATUS_TRANSITION with details {from, to, allowed}. `refunded` is set "
        "by refunds, not here.",
        request=StatusUpdateSerializer,
        responses={200: OrderSerializer, **TRANSITION_CONFLICT},
        tags=TAGS,
    )
    @action(detail=True, methods=["put"], url_path="status", url_name="status")
    def update_status(self, request, orderId=None):
        order = self.get_object()
        data = self.payload(StatusUpdateSerializer)
        order = services.order_transition(order=order, to_status=data["status"], note=data["note"], actor=self.actor)
        return Response(self.represent(order))

    @extend_schema(
        summary="Get an order's items",
        description="Every line of the order (at most 100), in the order they were sent; not paged.",
        responses={200: OrderItemSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="items", url_name="items", pagination_class=None, filter_backends=[])
    def items(self, request, orderId=None):
        order = self.get_object()
        return self.respond(OrderItemSerializer, order.items.all(), many=True)

    @extend_schema(summary="Get an order's shipping", responses={200: ShippingSerializer}, tags=TAGS)
    @action(detail=True, methods=["get"], url_path="shipping", url_name="shipping")
    def shipping(self, request, orderId=None):
        return self.respond(ShippingSerializer, self.get_object())

    @extend_schema(
        summary="Set an order's shipping",
        description="Replaces address, method, carrier, trackingNumber and trackingUrl (left out = cleared). "
        "`markShipped: true` also moves a processing order to shipped. The address is frozen once shipped and "
        "a cancelled order cannot change: 409 SHIPPING_LOCKED.",
        request=ShippingUpdateSerializer,
        responses={
            200: ShippingSerializer,
            409: ERRORS.response("SHIPPING_LOCKED", "INVALID_STATUS_TRANSITION", "INSUFFICIENT_STOCK"),
        },
        tags=TAGS,
    )
    @shipping.mapping.put
    def replace_shipping(self, request, orderId=None):
        return self._update_shipping(partial=False)

    @extend_schema(
        summary="Change part of an order's shipping",
        description="Like PUT, but only the fields sent change.",
        request=ShippingUpdateSerializer(partial=True),
        examples=examples.SHIPPING_PATCH,
        responses={
            200: ShippingSerializer,
            409: ERRORS.response("SHIPPING_LOCKED", "INVALID_STATUS_TRANSITION", "INSUFFICIENT_STOCK"),
        },
        tags=TAGS,
    )
    @shipping.mapping.patch
    def patch_shipping(self, request, orderId=None):
        return self._update_shipping(partial=True)

    def _update_shipping(self, *, partial: bool) -> Response:
        order = self.get_object()
        data = dict(self.payload(ShippingUpdateSerializer, partial=partial))
        mark_shipped = data.pop("mark_shipped", False)
        order = services.order_shipping_update(order=order, changes=data, mark_shipped=mark_shipped, actor=self.actor)
        return self.respond(ShippingSerializer, order)

    @extend_schema(
        summary="List an order's payments and refunds",
        responses={200: PaymentSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="payments", url_name="payments", filter_backends=[])
    def payments(self, request, orderId=None):
        return self.paginated(selectors.order_payments(order=self.get_object()), PaymentSerializer)

    @extend_schema(
        summary="Record a payment taken outside the platform",
        description="Cash, card terminal, bank transfer, cash on delivery or other. At most the outstanding "
        "balance (409 PAYMENT_EXCEEDS_BALANCE); not on cancelled or refunded orders (409 ORDER_NOT_PAYABLE). "
        "Updates the order's amountPaid and paymentStatus.",
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer, 409: ERRORS.response("PAYMENT_EXCEEDS_BALANCE", "ORDER_NOT_PAYABLE")},
        tags=TAGS,
    )
    @payments.mapping.post
    def record_payment(self, request, orderId=None):
        order = self.get_object()
        data = self.payload(PaymentCreateSerializer)
        payment = services.order_payment_record(order=order, provider="manual", actor=self.actor, **data)
        return self.respond(PaymentSerializer, payment, status.HTTP_201_CREATED)

    @extend_schema(
        summary="An order's timeline",
        description="Creation, status changes (from/to), notes, payments, refunds and shipping updates, oldest "
        "first, each with the credential that did it.",
        responses={200: OrderEventSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="events", url_name="events", filter_backends=[])
    def events(self, request, orderId=None):
        return self.paginated(selectors.order_events(order=self.get_object()), OrderEventSerializer)

    @extend_schema(
        summary="Add a note to an order's timeline",
        request=NoteCreateSerializer,
        examples=examples.NOTE,
        responses={201: OrderEventSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="notes", url_name="notes")
    def notes(self, request, orderId=None):
        order = self.get_object()
        data = self.payload(NoteCreateSerializer)
        event = services.order_note_add(order=order, note=data["note"], actor=self.actor)
        return self.respond(OrderEventSerializer, event, status.HTTP_201_CREATED)
