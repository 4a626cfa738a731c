"""Base classes every API view derives from: auth-then-throttle ordering, idempotency, tenancy."""

from collections.abc import Mapping

from django.db import models
from rest_framework import exceptions, mixins, viewsets
from rest_framework.views import APIView

from . import idempotency
from .auth import get_auth_context
from .errors import NotFoundError
from .parsers import BufferedRequest

UNKNOWN_FIELD = "Unknown field."
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
_takes_no_body: dict[tuple[type, str], bool] = {}


def not_found_code(model) -> str:
    return model._meta.verbose_name.upper().replace(" ", "_") + "_NOT_FOUND"


def not_found(model, object_id) -> NotFoundError:
    name = model._meta.verbose_name
    return NotFoundError(
        f"{name[0].upper()}{name[1:]} not found",
        code=not_found_code(model),
        details=f"No {name} exists with ID: {object_id}",
    )


class ApiViewMixin:
    """Rate limits count every request, failed authentication included, so every response has the
    X-RateLimit-* headers; POSTs honour Idempotency-Key."""

    public = False  # True: no credentials needed (login, register, provider webhooks)
    body_limit_setting = "API_MAX_BODY_BYTES"  # the setting that caps this view's request body (body_size.py)
    _idempotency_claim = None

    def initialize_request(self, request, *args, **kwargs):
        drf_request = super().initialize_request(request, *args, **kwargs)
        drf_request.__class__ = BufferedRequest  # same state, body read once and cached (parsers.py)
        return drf_request

    def _handler_takes_no_body(self, request) -> bool:
        """True when the handler documents no request body (`extend_schema(request=None)`)."""
        name = getattr(self, "action", None) or request.method.lower()
        cache_key = (type(self), name)
        if cache_key not in _takes_no_body:
            schema_class = getattr(getattr(self, name, None), "kwargs", {}).get("schema")
            takes_none = False
            if schema_class is not None:
                schema = schema_class()
                schema.view, schema.method = self, request.method
                takes_none = schema.get_request_serializer() is None
            _takes_no_body[cache_key] = takes_none
        return _takes_no_body[cache_key]

    def _refuse_unexpected_body(self, request) -> None:
        """A body sent to a write that takes none is refused like any unknown field, before anything runs."""
        if request.method not in WRITE_METHODS or not self._handler_takes_no_body(request):
            return
        data = request.data
        if isinstance(data, Mapping) and data:
            raise exceptions.ValidationError({key: [UNKNOWN_FIELD] for key in data})
        if data and not isinstance(data, Mapping):
            raise exceptions.ValidationError({"non_field_errors": ["This endpoint takes no request body."]})

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        try:
            self.perform_authentication(request)
        except exceptions.APIException:
            request._user, request._auth = None, None
            self.check_throttles(request)
            raise
        self.check_throttles(request)
        self.check_permissions(request)
        self._refuse_unexpected_body(request)
        self._idempotency_claim = idempotency.claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            return idempotency.replay_response(exc.record)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_claim is not None:
            claim, self._idempotency_claim = self._idempotency_claim, None
            claim.finish(response)
        return response

    @property
    def auth_context(self):
        return get_auth_context(self.request)

    @property
    def account(self):
        context = self.auth_context
        if context is None:
            raise exceptions.NotAuthenticated()
        return context.account


class BaseAPIView(ApiViewMixin, APIView):
    pass


class TenantScopedMixin:
    """Every queryset is the request account's; anything else is a 404 with the model's code."""

    lookup_field = "pk"
    account_field = "account"

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(**{self.account_field: self.account})

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        object_id = self.kwargs[lookup]
        if "\x00" in object_id:  # no id holds NUL, and PostgreSQL refuses it in a query
            raise not_found(self.get_queryset().model, object_id.replace("\x00", "\\x00"))
        queryset = self.filter_queryset(self.get_queryset()) if self.filter_on_detail else self.get_queryset()
        try:
            obj = queryset.get(**{self.lookup_field: self.lookup_value(object_id)})
        except (queryset.model.DoesNotExist, ValueError, models.ObjectDoesNotExist):
            raise not_found(queryset.model, object_id) from None
        self.check_object_permissions(self.request, obj)
        return obj

    filter_on_detail = False

    def lookup_value(self, raw: str):
        """The database value for the id in the URL (override when the public id is derived)."""
        return raw


class TenantViewSet(TenantScopedMixin, ApiViewMixin, viewsets.GenericViewSet):
    pass


class TenantReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    pass
