from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from omnisales.api.schema import error_example, error_response
from omnisales.api.views import ApiViewMixin, BaseAPIView, ListMixin, RetrieveMixin, TenantScopedMixin, TenantViewSet

from . import examples, selectors, serializers, services
from .filters import PaymentFilter, PlanFilter, SubscriptionFilter
from .models import PaymentStatus
from .providers import stripe_gateway

TAGS = ["billing"]
PAYMENT_TAGS = ["payments"]
NOT_CONFIGURED = error_example(
    "PAYMENTS_NOT_CONFIGURED", "Payments are not configured", "Set STRIPE_SECRET_KEY to accept payments through Stripe."
)
PROVIDER_ERRORS = {
    502: error_response(
        error_example(
            "PAYMENT_PROVIDER_ERROR",
            "The payment provider rejected the request",
            {"provider": "stripe", "operation": "payment_intent_create"},
        ),
        description="Stripe refused a request we built (PAYMENT_PROVIDER_ERROR)",
    ),
    503: error_response(
        NOT_CONFIGURED,
        error_example(
            "PAYMENT_PROVIDER_UNAVAILABLE",
            "The payment provider is unavailable; try again shortly",
            {"provider": "stripe", "operation": "payment_intent_create"},
        ),
        description="Stripe unreachable (PAYMENT_PROVIDER_UNAVAILABLE) or not configured (PAYMENTS_NOT_CONFIGURED)",
    ),
}
DECLINED = error_example(
    "PAYMENT_FAILED",
    "Your card has insufficient funds.",
    {
        "declineCode": "insufficient_funds",
        "stripeCode": "card_declined",
        "message": "Your card has insufficient funds.",
        "paymentId": "pay_123",
    },
)


class ProviderCallMixin:
    """Views that call Stripe open no request transaction (`atomic_writes = False`).

    One would stay open for the whole Stripe call (up to STRIPE_TIMEOUT_SECONDS) and would roll back
    the one write a failed request must keep: the failed Payment of a declined card. The services these
    views call lock, check and commit in short transactions of their own, with the call in between.
    """

    atomic_writes = False


@extend_schema_view(
    list=extend_schema(summary="List payments", tags=PAYMENT_TAGS),
    retrieve=extend_schema(summary="Get a payment", tags=PAYMENT_TAGS),
)
class PaymentViewSet(ProviderCallMixin, ListMixin, RetrieveMixin, TenantViewSet):
    queryset = selectors.payment_list()
    serializer_class = serializers.CardPaymentSerializer
    filterset_class = PaymentFilter
    scope_area = "billing"
    lookup_url_kwarg = "paymentId"

    @extend_schema(
        request=serializers.PaymentProcessSerializer,
        responses={
            200: OpenApiResponse(serializers.PaymentProcessResponseSerializer, description="Succeeded"),
            202: OpenApiResponse(
                serializers.PaymentProcessResponseSerializer,
                description="requires_action (finish 3-D Secure with clientSecret) or processing",
            ),
            402: error_response(
                DECLINED, description="Declined (PAYMENT_FAILED); details carry declineCode and the recorded paymentId"
            ),
            **PROVIDER_ERRORS,
        },
        summary="Charge a card through Stripe",
        tags=PAYMENT_TAGS,
    )
    @action(detail=False, methods=["post"], url_path="process", url_name="process")
    def process(self, request):
        data = self.payload(serializers.PaymentProcessSerializer)
        payment, client_secret = services.payment_process(
            account=self.account,
            amount_cents=data["amount"],
            currency=data["currency"],
            payment_method_id=data["payment_method_id"],
            customer_reference=data.get("customer_id", ""),
            order_reference=data.get("order_id", ""),
            description=data.get("description", ""),
        )
        payment.client_secret = client_secret
        code = status.HTTP_200_OK if payment.status == PaymentStatus.SUCCEEDED else status.HTTP_202_ACCEPTED
        return self.respond(serializers.PaymentProcessResponseSerializer, payment, code)

    @extend_schema(
        request=serializers.RefundRequestSerializer,
        responses={201: serializers.RefundSerializer, 402: error_response(DECLINED), **PROVIDER_ERRORS},
        summary="Refund a payment, fully or partly",
        tags=PAYMENT_TAGS,
    )
    @action(detail=True, methods=["post"], url_path="refund", url_name="refund")
    def refund(self, request, paymentId=None):
        payment = self.get_object()
        data = self.payload(serializers.RefundRequestSerializer)
        refund = services.payment_refund(
            payment=payment, amount_cents=data.get("amount_cents"), reason=data.get("reason")
        )
        return self.respond(serializers.RefundSerializer, refund, status.HTTP_201_CREATED)


class StripeWebhookView(BaseAPIView):
    """Stripe's deliveries: verified by signature, not by our credentials."""

    public = True
    authentication_classes = []
    throttle_classes = []  # inbound provider webhooks are exempt from rate limits
    parser_classes = []  # the signature covers the raw bytes: read request.body, never request.data

    def initial(self, request, *args, **kwargs):
        # Skips ApiViewMixin's Idempotency-Key handling: Stripe's event id is the deduplication key.
        APIView.initial(self, request, *args, **kwargs)

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        examples=[*examples.STRIPE_WEBHOOK, *examples.ACKNOWLEDGEMENT],
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                location=OpenApiParameter.HEADER,
                required=True,
                description="t=<unix time>,v1=<HMAC-SHA256 hex of '<t>.<raw body>'>",
            )
        ],
        responses={
            200: serializers.WebhookAcknowledgementSerializer,
            400: error_response(
                error_example("INVALID_SIGNATURE", "Invalid Stripe signature"),
                error_example(
                    "MALFORMED_EVENT",
                    "The signed body is not a Stripe event we can read",
                    {"path": "data.object", "message": "'object' is a required property"},
                ),
                description="INVALID_SIGNATURE or MALFORMED_EVENT",
            ),
            503: error_response(
                error_example(
                    "PAYMENTS_NOT_CONFIGURED",
                    "Stripe webhooks are not configured",
                    "Set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret.",
                ),
                description="PAYMENTS_NOT_CONFIGURED (no webhook secret)",
            ),
        },
        auth=[],
        summary="Stripe webhook endpoint (configure this URL in the Stripe dashboard)",
        tags=PAYMENT_TAGS,
    )
    def post(self, request):
        event = stripe_gateway.webhook_event_verify(
            payload=request.body, signature_header=request.headers.get("Stripe-Signature")
        )
        _, is_new = services.stripe_event_process(event=event)
        return Response({"received": True, "duplicate": not is_new})


@extend_schema_view(list=extend_schema(summary="List subscription plans", tags=TAGS))
class PlanViewSet(ApiViewMixin, ListMixin, viewsets.GenericViewSet):
    """Plans are reference data shared by every account (not tenant-scoped). Reading them takes
    read:billing like the rest of the area, so every endpoint declares a scope; every member role
    holds it."""

    queryset = selectors.plan_list()
    serializer_class = serializers.PlanSerializer
    filterset_class = PlanFilter
    scope_area = "billing"


@extend_schema_view(list=extend_schema(summary="The account's subscriptions", tags=TAGS))
class UserSubscriptionViewSet(ListMixin, TenantViewSet):
    queryset = selectors.subscription_list()
    serializer_class = serializers.SubscriptionSerializer
    filterset_class = SubscriptionFilter
    scope_area = "billing"


class CheckoutView(ProviderCallMixin, BaseAPIView):
    scope_area = "billing"

    @extend_schema(
        request=serializers.CheckoutRequestSerializer,
        responses={200: serializers.CheckoutResponseSerializer, **PROVIDER_ERRORS},
        summary="Start a Stripe Checkout session subscribing the account to a plan",
        description="Redirect the user to `url`. The subscription is recorded from Stripe's webhooks, "
        "not from the redirect back to the success URL.",
        tags=TAGS,
    )
    def post(self, request):
        plan_id = self.payload(serializers.CheckoutRequestSerializer)["plan_id"]
        session = services.checkout_session_create(account=self.account, plan_id=plan_id)
        return self.respond(serializers.CheckoutResponseSerializer, session)


class SubscriptionCancelView(ProviderCallMixin, TenantScopedMixin, ApiViewMixin, generics.GenericAPIView):
    queryset = selectors.subscription_list()
    serializer_class = serializers.SubscriptionSerializer
    scope_area = "billing"
    lookup_url_kwarg = "subscriptionId"

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(
                serializers.SubscriptionSerializer,
                description="Stripe accepted the cancellation at period end. The body is the current record; "
                "cancelAtPeriodEnd turns true when Stripe's customer.subscription.updated webhook arrives.",
            ),
            **PROVIDER_ERRORS,
        },
        summary="Cancel a subscription at the end of its paid period",
        tags=TAGS,
    )
    def post(self, request, subscriptionId=None):
        subscription = services.subscription_cancel(subscription=self.get_object())
        return self.respond(serializers.SubscriptionSerializer, subscription, status.HTTP_202_ACCEPTED)
