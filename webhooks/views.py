from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from omnisales.api.views import ListMixin, TenantViewSet

from . import examples, filters, selectors, serializers, services
from .models import WebhookEndpoint

TAGS = ["webhooks"]


class WebhookViewSet(ListMixin, TenantViewSet):
    """Webhook endpoints: URLs that receive signed event payloads."""

    queryset = WebhookEndpoint.objects.order_by("-created_at", "-id")
    serializer_class = serializers.WebhookSerializer
    filterset_class = filters.WebhookFilter
    scope_area = "webhooks"
    lookup_url_kwarg = "webhookId"

    @extend_schema(summary="List webhooks", tags=TAGS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.WebhookSerializer,
        responses={201: serializers.WebhookWithSecretSerializer},
        summary="Create a webhook (the signing secret is shown only in this response)",
        tags=TAGS,
    )
    def create(self, request):
        data = self.payload(serializers.WebhookSerializer)
        endpoint, _ = services.endpoint_create(
            account=self.account,
            url=data["url"],
            events=data["events"],
            description=data["description"],
            is_active=data["is_active"],
        )
        return self.respond(serializers.WebhookWithSecretSerializer, endpoint, status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.WebhookSerializer}, summary="Get a webhook", tags=TAGS)
    def retrieve(self, request, webhookId=None):
        return Response(self.represent(self.get_object()))

    @extend_schema(
        request=serializers.WebhookSerializer,
        responses={200: serializers.WebhookSerializer},
        summary="Replace a webhook",
        tags=TAGS,
    )
    def update(self, request, webhookId=None):
        return self._update(request, partial=False)

    @extend_schema(
        request=serializers.WebhookSerializer,
        responses={200: serializers.WebhookSerializer},
        examples=examples.WEBHOOK_PATCH,
        summary="Change some fields of a webhook (active: true turns a disabled one back on)",
        tags=TAGS,
    )
    def partial_update(self, request, webhookId=None):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        endpoint = self.get_object()
        data = self.payload(serializers.WebhookSerializer, instance=endpoint, partial=partial)
        return Response(self.represent(services.endpoint_update(endpoint=endpoint, data=data)))

    @extend_schema(responses={204: None}, summary="Delete a webhook and its delivery log", tags=TAGS)
    def destroy(self, request, webhookId=None):
        services.endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=serializers.RotateSecretSerializer,
        responses={200: serializers.WebhookWithSecretSerializer},
        summary="Rotate the signing secret (old and new both sign during the overlap)",
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, webhookId=None):
        endpoint = self.get_object()
        overlap = timedelta(hours=self.payload(serializers.RotateSecretSerializer)["overlap_hours"])
        endpoint, _ = services.endpoint_secret_rotate(endpoint=endpoint, overlap=overlap)
        return self.respond(serializers.WebhookWithSecretSerializer, endpoint)

    @extend_schema(
        request=serializers.ReplaySerializer,
        responses={202: serializers.ReplayResultSerializer},
        summary="Send failed deliveries created in a time range again",
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, webhookId=None):
        endpoint = self.get_object()
        replayed = services.deliveries_replay(endpoint=endpoint, **self.payload(serializers.ReplaySerializer))
        return self.respond(serializers.ReplayResultSerializer, {"replayed": replayed}, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={200: serializers.DeliverySerializer},
        summary="Send a webhook.ping event to this webhook now and return the attempt",
        tags=TAGS,
    )
    def test(self, request, webhookId=None):
        # The request's transaction stays open for this one HTTP call (at most the connect + read
        # timeouts); it holds no lock but the endpoint row's key-share lock, which blocks only its deletion.
        delivery = services.endpoint_ping(endpoint=self.get_object())
        return self.respond(serializers.DeliverySerializer, selectors.delivery_with_attempts(delivery_id=delivery.pk))


class WebhookDeliveryViewSet(TenantViewSet):
    """The delivery log: every event sent to a webhook, with each HTTP attempt."""

    queryset = selectors.deliveries_with_attempts()
    serializer_class = serializers.DeliverySerializer
    filterset_class = filters.DeliveryFilter
    scope_area = "webhooks"
    lookup_url_kwarg = "deliveryId"

    @extend_schema(summary="List a webhook's deliveries, newest first, with every attempt", tags=TAGS)
    def list(self, request, webhookId=None):
        endpoint = selectors.endpoint_of_account(account=self.account, endpoint_id=webhookId)
        return self.paginated(
            self.filter_queryset(self.get_queryset().filter(endpoint=endpoint)), self.serializer_class
        )

    @extend_schema(responses={200: serializers.DeliverySerializer}, summary="Get a delivery", tags=TAGS)
    def retrieve(self, request, deliveryId=None):
        return Response(self.represent(self.get_object()))

    @extend_schema(
        request=None,
        responses={202: serializers.DeliverySerializer},
        summary="Send a delivery again now",
        tags=TAGS,
    )
    def redeliver(self, request, deliveryId=None):
        delivery = services.delivery_redeliver(delivery=self.get_object())
        return Response(
            self.represent(selectors.delivery_with_attempts(delivery_id=delivery.pk)), status=status.HTTP_202_ACCEPTED
        )
