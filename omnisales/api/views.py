"""The one request path every API view takes: auth-then-throttle ordering, idempotency, one transaction
per write, tenancy, and the body in and the representation out."""

from collections.abc import Mapping

from django.db import models, transaction
from django.http import HttpRequest
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import idempotency
from .auth import get_auth_context
from .compiled import CompiledRead
from .errors import UNKNOWN_FIELD, not_found
from .parsers import BufferedRequest
from .representation import camel_representation
from .transactions import request_transaction

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_takes_no_body: dict[tuple[type, str], bool] = {}
_compiled_object_reads: dict[tuple[type, str], CompiledRead] = {}
_compiled_list_reads: dict[tuple[type, str], CompiledRead] = {}


class ApiViewMixin:
    """Rate limits count every request, failed authentication included, so every response has the
    X-RateLimit-* headers; POSTs honour Idempotency-Key."""

    public = False  # True: no credentials needed (login, register, provider webhooks)
    # A write (POST, PUT, PATCH, DELETE) runs in one transaction, the idempotency record included, rolled
    # back when the answer is an error. False for views whose services call an outside API (Stripe): they
    # commit short transactions of their own so no lock is held during the call.
    atomic_writes = True
    body_limit_setting = "API_MAX_BODY_BYTES"  # the setting that caps this view's request body (body_size.py)
    _idempotency_claim = None

    def dispatch(self, request, *args, **kwargs):
        if request.method in READ_METHODS or not self.atomic_writes:
            return super().dispatch(request, *args, **kwargs)
        with request_transaction():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

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
        """The request's account: the one way a view reaches it."""
        context = self.auth_context
        if context is None:
            raise exceptions.NotAuthenticated()
        return context.account

    def serializer_context(self) -> dict:
        return {"request": self.request, "format": self.format_kwarg, "view": self}

    def payload(self, serializer_class, *, instance=None, partial: bool = False) -> dict:
        """The request body, validated by `serializer_class` (unknown fields refused): its validated_data."""
        serializer = serializer_class(
            instance, data=self.request.data, partial=partial, context=self.serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def representation(self, serializer_class, value, *, many: bool = False):
        """`value` (rows with many=True) as `serializer_class` shows it. A compiled representation comes
        camelCased in the same pass, ready for the renderer (representation.camel_representation)."""
        data = camel_representation(serializer_class, value, many=many)
        if data is None:
            data = serializer_class(value, many=many, context=self.serializer_context()).data
        return data

    def respond(self, serializer_class, value, status_code: int = status.HTTP_200_OK, *, many=False) -> Response:
        """`value` (a list with many=True) represented by `serializer_class`."""
        return Response(self.representation(serializer_class, value, many=many), status=status_code)


class BaseAPIView(ApiViewMixin, APIView):
    pass


class TenantScopedMixin:
    """Every queryset is the request account's; anything else is a 404 with the model's code.

    Tenancy is applied here and only here: a view shapes its queryset by extending `get_queryset` with
    `super().get_queryset()` (a selector taking the scoped queryset), never by replacing it.
    """

    lookup_field = "pk"
    account_field = "account"
    filter_on_detail = False
    # Actions whose object is read by a statement compiled once per view class from `get_queryset()` (the
    # account filter included) and run with each request's account and id (omnisales/api/compiled.py). For
    # a `get_queryset()` that returns values() rows and depends on nothing but the account and the action.
    compiled_object_actions: tuple[str, ...] = ()
    _compiling_account = None

    def base_queryset(self):
        """What the view reads before tenancy: `queryset` by default. A hot read may start from a `values()`
        queryset prepared once (orders.selectors.order_rows) instead of building one per request."""
        return super().get_queryset()

    def get_queryset(self):
        queryset = self.base_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no account
            return queryset.none()
        return queryset.filter(**{self.account_field: self._compiling_account or self.account})

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        object_id = self.kwargs[lookup]
        if "\x00" in object_id:  # no id holds NUL, and PostgreSQL refuses it in a query
            raise not_found(self.get_queryset().model, object_id.replace("\x00", "\\x00"))
        if getattr(self, "action", None) in self.compiled_object_actions and not self.filter_on_detail:
            rows = self._compiled_object_read().rows(account=self.account.pk, id=self.lookup_value(object_id))
            if not rows:
                raise not_found(self.queryset.model, object_id)
            obj = rows[0]
        else:
            queryset = self.filter_queryset(self.get_queryset()) if self.filter_on_detail else self.get_queryset()
            try:
                obj = queryset.get(**{self.lookup_field: self.lookup_value(object_id)})
            except (queryset.model.DoesNotExist, ValueError, models.ObjectDoesNotExist):
                raise not_found(queryset.model, object_id) from None
        self.check_object_permissions(self.request, obj)
        return obj

    def _compiled_object_read(self) -> CompiledRead:
        key = (type(self), self.action)
        read = _compiled_object_reads.get(key)
        if read is None:
            view_class, action, lookup_field = type(self), self.action, self.lookup_field

            def build(account: str, id: str):
                # A view of the same class and action, asked for its queryset on behalf of `account`.
                view = view_class(action=action, request=None, args=(), kwargs={}, format_kwarg=None)
                view._compiling_account = account
                return view.get_queryset().filter(**{lookup_field: id})

            read = _compiled_object_reads.setdefault(key, CompiledRead(build))
        return read

    def lookup_value(self, raw: str):
        """The database value for the id in the URL (override when the public id is derived)."""
        return raw


class TenantViewSet(TenantScopedMixin, ApiViewMixin, viewsets.GenericViewSet):
    """The base of every resource's views. Reads come from `get_queryset()`; writes validate the body with
    `payload()`, call one service inside the request's transaction and answer with `represent()`."""

    write_serializer_class = None  # the body's serializer, when it is not the representation's

    def represent(self, instance) -> dict:
        """One object as this resource shows it: detail, list rows and write answers share it."""
        return self.representation(self.get_serializer_class(), instance)

    def paginated(self, queryset, serializer_class) -> Response:
        """A page of `queryset` (limit/offset from the query string) represented by `serializer_class`."""
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.representation(serializer_class, page, many=True))

    def get_write_serializer_class(self):
        return self.write_serializer_class or self.get_serializer_class()


class _CompiledList:
    """A list's rows as the paginator reads a queryset (count(), then one slice), from a compiled read."""

    def __init__(self, read: CompiledRead, account: str):
        self.read, self.account = read, account

    def count(self) -> int:
        return self.read.count(account=self.account)

    def __getitem__(self, key: slice) -> list[dict]:
        return self.read.page(limit=key.stop - key.start, offset=key.start, account=self.account)


class ListMixin:
    """GET on the collection: the filtered queryset, a page of it, each row as the resource shows it."""

    # True: a request with no query parameter but the paginator's (`limit`, `offset`) — the first page of a
    # list, the most common read — takes two statements compiled once per view class, its page and its
    # count, run with the request's account. For views whose `filter_queryset(get_queryset())` gives
    # values() rows and, with no filter given, depends on nothing but the account.
    compiled_list = False

    def list(self, request, *args, **kwargs):
        if self.compiled_list and self._paging_only(request):
            queryset = _CompiledList(self._compiled_list_read(), self.account.pk)
        else:
            queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self.representation(self.get_serializer_class(), queryset, many=True))
        return self.get_paginated_response(self.representation(self.get_serializer_class(), page, many=True))

    def _paging_only(self, request) -> bool:
        paginator = self.paginator
        if paginator is None:
            return False
        paging = (getattr(paginator, "limit_query_param", None), getattr(paginator, "offset_query_param", None))
        return all(name in paging for name in request.query_params)

    def _compiled_list_read(self) -> CompiledRead:
        key = (type(self), "list")
        read = _compiled_list_reads.get(key)
        if read is None:
            view_class = type(self)

            def build(account: str):
                # A view of the same class asked for its filtered queryset, with no filter, for `account`.
                view = view_class(action="list", request=None, args=(), kwargs={}, format_kwarg=None)
                view._compiling_account = account
                view.request = Request(HttpRequest())
                return view.filter_queryset(view.get_queryset())

            read = _compiled_list_reads.setdefault(key, CompiledRead(build))
        return read


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        return Response(self.represent(self.get_object()))


class ServiceCreateMixin:
    """POST: the validated body goes to `perform_create_with(data)`, a service call; 201 with the result."""

    def perform_create_with(self, data: dict):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        instance = self.perform_create_with(self.payload(self.get_write_serializer_class()))
        return Response(self.represent(instance), status=status.HTTP_201_CREATED)


class ServiceUpdateMixin:
    """PUT and PATCH: the object is fetched first (404 for another account's id), then the body is validated
    the same way for both (DRF skips defaults on PATCH, so PUT resets omitted fields) and goes to
    `perform_update_with(instance, data)`."""

    def perform_update_with(self, instance, data: dict):
        raise NotImplementedError

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        data = self.payload(self.get_write_serializer_class(), instance=instance, partial=partial)
        return Response(self.represent(self.perform_update_with(instance, data)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class TenantReadOnlyViewSet(ListMixin, RetrieveMixin, TenantViewSet):
    pass
