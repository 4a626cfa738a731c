from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from omnisales.api.pagination import InvalidQueryParameter
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet

from . import examples, selectors, services
from .exceptions import SegmentReadOnly
from .filters import CustomerFilterSet, RfmFilterSet
from .models import Customer, CustomerSegment
from .rfm import RfmSegment
from .serializers import (
    CustomerSerializer,
    CustomerWriteSerializer,
    RfmEntrySerializer,
    SegmentSerializer,
    SegmentWriteSerializer,
)

TAGS = ["customers"]


CONFLICTS = ErrorCatalog(
    error_example("DUPLICATE_EMAIL", "A customer with this email already exists", {"email": "jane@example.com"}),
    error_example("CUSTOMER_ANONYMIZED", "This customer was deleted and cannot be changed", {"id": "cus_123"}),
    error_example("DUPLICATE_SEGMENT_NAME", "A segment with this name already exists", {"name": "Big spenders"}),
    error_example("SEGMENT_READ_ONLY", "RFM segments are computed and cannot be changed", {"id": "champions"}),
    prefix="Conflict: ",
)


# The id shapes, so the schema (and clients generated from it) never take `rfm` or `segments` for an id.
CUSTOMER_ID = OpenApiParameter(
    "customerId", str, OpenApiParameter.PATH, pattern=r"^cus_[0-9A-Za-z]+$", description="A cus_… id."
)
SEGMENT_ID = OpenApiParameter(
    "segmentId",
    str,
    OpenApiParameter.PATH,
    pattern=rf"^(seg_[0-9A-Za-z]+|{'|'.join(RfmSegment.values)})$",
    description="An RFM segment name (champions, …) or a custom segment's seg_… id.",
)


class CustomersListViewSet(ListMixin, TenantViewSet):
    """A paged, filtered list of this area (invalid filter values are 400 INVALID_PARAMETER)."""

    scope_area = "customers"


@extend_schema_view(
    list=extend_schema(summary="List customers (anonymized ones only with includeAnonymized=true)", tags=TAGS)
)
class CustomerViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, CustomersListViewSet):
    """Customers of the account. DELETE anonymizes: order history keeps the row."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    lookup_url_kwarg = "customerId"
    filterset_class = CustomerFilterSet

    write_serializer_class = CustomerWriteSerializer
    compiled_object_actions = ("retrieve",)
    compiled_list = True

    def base_queryset(self):
        if self.action in ("list", "retrieve"):  # reads that only render: rows, not instances
            return selectors.customer_rows()
        return super().base_queryset()

    def perform_create_with(self, data):
        return services.customer_create(account=self.account, **data)

    def perform_update_with(self, customer, data):
        return services.customer_update(customer=customer, changes=data)

    @extend_schema(
        request=CustomerWriteSerializer,
        responses={201: CustomerSerializer, 409: CONFLICTS.response("DUPLICATE_EMAIL")},
        summary="Create a customer (409 DUPLICATE_EMAIL if the email is taken)",
        tags=TAGS,
    )
    def create(self, request):
        return super().create(request)

    @extend_schema(
        responses={200: CustomerSerializer},
        parameters=[CUSTOMER_ID],
        summary="Get a customer (deleted ones are shown anonymized, with isAnonymized true)",
        tags=TAGS,
    )
    def retrieve(self, request, customerId=None):
        return super().retrieve(request)

    @extend_schema(
        request=CustomerWriteSerializer,
        responses={200: CustomerSerializer, 409: CONFLICTS.response("DUPLICATE_EMAIL", "CUSTOMER_ANONYMIZED")},
        parameters=[CUSTOMER_ID],
        examples=[*examples.CUSTOMER_PUT, *examples.CUSTOMER_RESPONSE],
        summary="Replace a customer's profile (absent optional fields get their defaults)",
        tags=TAGS,
    )
    def update(self, request, customerId=None):
        return super().update(request, partial=False)

    @extend_schema(
        request=CustomerWriteSerializer(partial=True),
        responses={200: CustomerSerializer, 409: CONFLICTS.response("DUPLICATE_EMAIL", "CUSTOMER_ANONYMIZED")},
        parameters=[CUSTOMER_ID],
        examples=[*examples.CUSTOMER_PATCH, *examples.CUSTOMER_RESPONSE],
        summary="Change part of a customer's profile",
        tags=TAGS,
    )
    def partial_update(self, request, customerId=None):
        return super().update(request, partial=True)

    @extend_schema(
        responses={204: None},
        parameters=[CUSTOMER_ID],
        summary="Delete a customer: personal data is erased, the anonymized row stays for order history",
        tags=TAGS,
    )
    def destroy(self, request, customerId=None):
        services.customer_anonymize(customer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="RFM analysis: recency, frequency and monetary scores (quintiles 1-5) and segment", tags=TAGS
    )
)
class CustomerRfmViewSet(CustomersListViewSet):
    """RFM scores and segments of the customers with orders, computed in SQL."""

    queryset = selectors.RfmQuerySet(model=Customer)
    serializer_class = RfmEntrySerializer
    filterset_class = RfmFilterSet

    def get_queryset(self):
        return selectors.rfm_scored(super().get_queryset())


SEGMENT_TYPE = OpenApiParameter(
    "type", str, enum=["rfm", "custom"], description="Only RFM segments or only custom segments."
)


class CustomerSegmentViewSet(TenantViewSet):
    """RFM segments and merchant-defined segments, with customer counts and revenue."""

    queryset = CustomerSegment.objects.all()
    serializer_class = SegmentSerializer
    scope_area = "customers"
    lookup_url_kwarg = "segmentId"

    def _ref(self):
        return selectors.segment_get(account=self.account, segment_id=self.kwargs[self.lookup_url_kwarg])

    def _custom_segment(self) -> CustomerSegment:
        ref = self._ref()
        if ref.rfm:
            raise SegmentReadOnly("RFM segments are computed and cannot be changed", details={"id": ref.id})
        return ref.custom

    def represent(self, segment: CustomerSegment):
        ref = selectors.SegmentRef(id=segment.pk, custom=segment)
        return self.get_serializer(selectors.segment_summary(account=self.account, ref=ref)).data

    @extend_schema(
        parameters=[SEGMENT_TYPE],
        responses={200: SegmentSerializer(many=True)},
        summary="List segments: the 11 RFM segments, then custom segments",
        tags=TAGS,
    )
    def list(self, request):
        kind = request.query_params.get("type") or None
        if kind not in (None, "rfm", "custom"):
            raise InvalidQueryParameter("Invalid query parameter: type", details={"type": ["Expected rfm or custom."]})
        return self.paginated(selectors.SegmentSummaryList(account=self.account, type=kind), SegmentSerializer)

    @extend_schema(
        request=SegmentWriteSerializer,
        responses={201: SegmentSerializer, 409: CONFLICTS.response("DUPLICATE_SEGMENT_NAME")},
        summary="Create a custom segment (rules validated: 422 on bad rules)",
        tags=TAGS,
    )
    def create(self, request):
        segment = services.segment_create(account=self.account, **self.payload(SegmentWriteSerializer))
        return Response(self.represent(segment), status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: SegmentSerializer},
        parameters=[SEGMENT_ID],
        summary="Get a segment (RFM name or seg_… id)",
        tags=TAGS,
    )
    def retrieve(self, request, segmentId=None):
        return self.respond(SegmentSerializer, selectors.segment_summary(account=self.account, ref=self._ref()))

    @extend_schema(
        request=SegmentWriteSerializer(partial=True),
        responses={200: SegmentSerializer, 409: CONFLICTS.response("DUPLICATE_SEGMENT_NAME", "SEGMENT_READ_ONLY")},
        parameters=[SEGMENT_ID],
        examples=examples.SEGMENT_PATCH,
        summary="Change a custom segment (RFM segments: 409 SEGMENT_READ_ONLY)",
        tags=TAGS,
    )
    def partial_update(self, request, segmentId=None):
        segment = self._custom_segment()
        changes = self.payload(SegmentWriteSerializer, partial=True)
        return Response(self.represent(services.segment_update(segment=segment, changes=changes)))

    @extend_schema(
        responses={204: None, 409: CONFLICTS.response("SEGMENT_READ_ONLY")},
        parameters=[SEGMENT_ID],
        summary="Delete a custom segment (customers are untouched)",
        tags=TAGS,
    )
    def destroy(self, request, segmentId=None):
        services.segment_delete(segment=self._custom_segment())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        parameters=[SEGMENT_ID], summary="List the customers in a segment (RFM name or seg_… id)", tags=TAGS
    )
)
class SegmentCustomersViewSet(CustomersListViewSet):
    """The customers of one segment, with the filters and ordering of the customer list."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    lookup_url_kwarg = "segmentId"
    filterset_class = CustomerFilterSet

    def get_queryset(self):
        customers = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation: no segment in the path
            return customers
        ref = selectors.segment_get(account=self.account, segment_id=self.kwargs[self.lookup_url_kwarg])
        return selectors.segment_members(account=self.account, ref=ref, customers=customers)
