from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from omnisales.api.pagination import InvalidQueryParameter
from omnisales.api.serializers import ErrorSerializer
from omnisales.api.views import TenantViewSet

from . import selectors, services
from .exceptions import SegmentReadOnly
from .filters import CustomerFilterSet, RfmFilterSet, StrictFilterBackend
from .models import Customer, CustomerSegment
from .serializers import (
    CustomerSerializer,
    CustomerWriteSerializer,
    RfmEntrySerializer,
    SegmentSerializer,
    SegmentWriteSerializer,
)

TAGS = ["customers"]


def conflict(codes: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=f"Conflict: {codes}")


class CustomerViewSet(TenantViewSet):
    """Customers of the account. DELETE anonymizes: order history keeps the row."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    scope_area = "customers"
    lookup_url_kwarg = "customerId"
    filter_backends = [StrictFilterBackend]
    filterset_class = CustomerFilterSet

    def _write(self, request, *, partial: bool):
        payload = CustomerWriteSerializer(data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(
        responses={200: CustomerSerializer(many=True)},
        summary="List customers (anonymized ones only with includeAnonymized=true)",
        tags=TAGS,
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)

    @extend_schema(
        request=CustomerWriteSerializer,
        responses={201: CustomerSerializer, 409: conflict("DUPLICATE_EMAIL")},
        summary="Create a customer (409 DUPLICATE_EMAIL if the email is taken)",
        tags=TAGS,
    )
    def create(self, request):
        customer = services.customer_create(account=self.account, **self._write(request, partial=False))
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: CustomerSerializer},
        summary="Get a customer (deleted ones are shown anonymized, with isAnonymized true)",
        tags=TAGS,
    )
    def retrieve(self, request, customerId=None):
        return Response(CustomerSerializer(self.get_object()).data)

    @extend_schema(
        request=CustomerWriteSerializer,
        responses={200: CustomerSerializer, 409: conflict("DUPLICATE_EMAIL, CUSTOMER_ANONYMIZED")},
        summary="Replace a customer's profile (absent optional fields get their defaults)",
        tags=TAGS,
    )
    def update(self, request, customerId=None):
        customer = self.get_object()
        updated = services.customer_update(customer=customer, changes=self._write(request, partial=False))
        return Response(CustomerSerializer(updated).data)

    @extend_schema(
        request=CustomerWriteSerializer(partial=True),
        responses={200: CustomerSerializer, 409: conflict("DUPLICATE_EMAIL, CUSTOMER_ANONYMIZED")},
        summary="Change part of a customer's profile",
        tags=TAGS,
    )
    def partial_update(self, request, customerId=None):
        customer = self.get_object()
        updated = services.customer_update(customer=customer, changes=self._write(request, partial=True))
        return Response(CustomerSerializer(updated).data)

    @extend_schema(
        responses={204: None},
        summary="Delete a customer: personal data is erased, the anonymized row stays for order history",
        tags=TAGS,
    )
    def destroy(self, request, customerId=None):
        services.customer_anonymize(customer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerRfmViewSet(TenantViewSet):
    """RFM scores and segments of the customers with orders, computed in SQL."""

    serializer_class = RfmEntrySerializer
    scope_area = "customers"
    filter_backends = [StrictFilterBackend]
    filterset_class = RfmFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request account
            return Customer.objects.none()
        return selectors.rfm_queryset(account=self.account)

    @extend_schema(
        responses={200: RfmEntrySerializer(many=True)},
        summary="RFM analysis: recency, frequency and monetary scores (quintiles 1-5) and segment",
        tags=TAGS,
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(RfmEntrySerializer(page, many=True).data)


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

    def _render(self, segment: CustomerSegment, status_code=status.HTTP_200_OK):
        ref = selectors.SegmentRef(id=segment.pk, custom=segment)
        summary = selectors.segment_summary(account=self.account, ref=ref)
        return Response(SegmentSerializer(summary).data, status=status_code)

    @extend_schema(
        parameters=[SEGMENT_TYPE],
        responses={200: SegmentSerializer(many=True)},
        summary="List segments: the 11 RFM segments, then custom segments",
        tags=TAGS,
    )
    def list(self, request):
        kind = request.query_params.get("type") or None
        if kind not in (None, "rfm", "custom"):
            raise InvalidQueryParameter("Invalid query parameter", details={"type": ["Expected rfm or custom."]})
        page = self.paginate_queryset(selectors.SegmentSummaryList(account=self.account, type=kind))
        return self.get_paginated_response(SegmentSerializer(page, many=True).data)

    @extend_schema(
        request=SegmentWriteSerializer,
        responses={201: SegmentSerializer, 409: conflict("DUPLICATE_SEGMENT_NAME")},
        summary="Create a custom segment (rules validated: 422 on bad rules)",
        tags=TAGS,
    )
    def create(self, request):
        payload = SegmentWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        segment = services.segment_create(account=self.account, **payload.validated_data)
        return self._render(segment, status.HTTP_201_CREATED)

    @extend_schema(responses={200: SegmentSerializer}, summary="Get a segment (RFM name or seg_… id)", tags=TAGS)
    def retrieve(self, request, segmentId=None):
        summary = selectors.segment_summary(account=self.account, ref=self._ref())
        return Response(SegmentSerializer(summary).data)

    @extend_schema(
        request=SegmentWriteSerializer(partial=True),
        responses={200: SegmentSerializer, 409: conflict("DUPLICATE_SEGMENT_NAME, SEGMENT_READ_ONLY")},
        summary="Change a custom segment (RFM segments: 409 SEGMENT_READ_ONLY)",
        tags=TAGS,
    )
    def partial_update(self, request, segmentId=None):
        segment = self._custom_segment()
        payload = SegmentWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        return self._render(services.segment_update(segment=segment, changes=payload.validated_data))

    @extend_schema(
        responses={204: None, 409: conflict("SEGMENT_READ_ONLY")},
        summary="Delete a custom segment (customers are untouched)",
        tags=TAGS,
    )
    def destroy(self, request, segmentId=None):
        services.segment_delete(segment=self._custom_segment())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SegmentCustomersViewSet(TenantViewSet):
    """The customers of one segment, with the filters and ordering of the customer list."""

    serializer_class = CustomerSerializer
    scope_area = "customers"
    lookup_url_kwarg = "segmentId"
    filter_backends = [StrictFilterBackend]
    filterset_class = CustomerFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        ref = selectors.segment_get(account=self.account, segment_id=self.kwargs[self.lookup_url_kwarg])
        return selectors.segment_members(account=self.account, ref=ref)

    @extend_schema(
        responses={200: CustomerSerializer(many=True)},
        summary="List the customers in a segment (RFM name or seg_… id)",
        tags=TAGS,
    )
    def list(self, request, segmentId=None):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)
