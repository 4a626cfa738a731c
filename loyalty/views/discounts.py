"""Discount code endpoints: parse, call one service or selector, render. A code in a path is looked up (404 for
another account's) before the body is read; product, category and customer ids in bodies resolve inside the
account."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import (
    BaseAPIView,
    ListMixin,
    RetrieveMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
)

from ..examples import discounts as examples
from ..filters.discounts import DiscountCodeFilterSet
from ..models import DiscountCode
from ..selectors import discounts as selectors
from ..serializers.discounts import (
    DiscountCodeSerializer,
    DiscountRedemptionSerializer,
    GeneratedSerializer,
    GenerateSerializer,
    ValidateSerializer,
    ValidationSerializer,
)
from ..services import discounts as services

TAGS = ["discounts"]

ERRORS = ErrorCatalog(
    error_example(
        "DISCOUNT_CODE_EXISTS",
        "The discount code SUMMER2024 already exists",
        {"code": "SUMMER2024", "id": examples.DISCOUNT_ID},
    ),
    error_example(
        "DISCOUNT_CODE_IN_USE",
        "This discount code was used on orders: deactivate it instead (active: false)",
        {"id": examples.DISCOUNT_ID, "redemptions": 42},
    ),
    error_example("DISCOUNT_CODE_NOT_FOUND", "Discount code not found", {"code": "SUMMER2024"}),
    error_example("PRODUCT_NOT_FOUND", "Product not found", "No product exists with ID: prod_123"),
    error_example("CATEGORY_NOT_FOUND", "Category not found", "No category exists with ID: cat_123"),
    error_example(
        "VALIDATION_ERROR", "Validation failed", {"value": ["A percentage is at most 100."]}, name="Rule between fields"
    ),
)
CODE_TAKEN = {409: ERRORS.response("DISCOUNT_CODE_EXISTS")}
TARGETS_NOT_FOUND = {404: ERRORS.response("PRODUCT_NOT_FOUND", "CATEGORY_NOT_FOUND")}
RULES = {422: ERRORS.response("VALIDATION_ERROR")}
CODE_RESPONSE = [example for example in examples.CODES if example.response_only]
WRITE_DESCRIPTION = (
    "value: percent (more than 0, at most 100) for percentage, an amount (more than 0) for fixed_amount, 0 or "
    "left out for free_shipping. endsAt after startsAt. appliesTo products needs productIds, categories needs "
    "categoryIds (a category covers its subcategories); the other list stays empty. A code the store has in any "
    "case is a 409 DISCOUNT_CODE_EXISTS. Rules between fields are a 422 naming the field."
)


@extend_schema_view(
    list=extend_schema(
        summary="List discount codes, newest first",
        description="Filters: active, type, appliesTo, status (current, scheduled, expired, exhausted, inactive), "
        "batch, search (part of the code), createdAfter/createdBefore; ordering.",
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="Get a discount code", tags=TAGS),
    create=extend_schema(
        summary="Create a discount code",
        description=WRITE_DESCRIPTION,
        responses={201: DiscountCodeSerializer, **TARGETS_NOT_FOUND, **CODE_TAKEN, **RULES},
        tags=TAGS,
    ),
    update=extend_schema(
        summary="Replace a discount code",
        description=WRITE_DESCRIPTION + " Omitted fields are reset (value kept); usageLimit cannot go below timesUsed.",
        responses={200: DiscountCodeSerializer, **TARGETS_NOT_FOUND, **CODE_TAKEN, **RULES},
        tags=TAGS,
    ),
    partial_update=extend_schema(
        summary="Change part of a discount code",
        description="Changing appliesTo drops the other kind of targets. " + WRITE_DESCRIPTION,
        responses={200: DiscountCodeSerializer, **TARGETS_NOT_FOUND, **CODE_TAKEN, **RULES},
        examples=[*examples.CODE_PATCH, *CODE_RESPONSE],
        tags=TAGS,
    ),
)
class DiscountCodeViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """The store's discount codes (Shopify's and Saleor's vouchers), newest first."""

    queryset = DiscountCode.objects.all()
    serializer_class = DiscountCodeSerializer
    filterset_class = DiscountCodeFilterSet
    scope_area = "discounts"
    lookup_url_kwarg = "discountId"

    def get_queryset(self):
        queryset = super().get_queryset()
        return selectors.codes_with_targets(queryset) if self.action != "redemptions" else queryset

    def perform_create_with(self, data):
        return services.discount_code_create(account=self.account, **data)

    def perform_update_with(self, discount, data):
        return services.discount_code_update(discount=discount, changes=data)

    @extend_schema(
        summary="Delete a discount code never used",
        description="A code used on any order (even one cancelled since) is a 409 DISCOUNT_CODE_IN_USE: its "
        "redemptions are history. Deactivate it instead (PATCH with active false).",
        responses={204: None, 409: ERRORS.response("DISCOUNT_CODE_IN_USE")},
        tags=TAGS,
    )
    def destroy(self, request, discountId=None):
        services.discount_code_delete(discount=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Generate single-use discount codes in bulk",
        description="quantity (1 to 1000) codes of prefix + length random characters (letters and digits without "
        "0, O, 1, I or L), none the store has in any case, each with usageLimit 1 and the other settings of a "
        "code, under one batch id (GET /api/discounts/codes?batch=…). Written in bulk.",
        request=GenerateSerializer,
        responses={201: GeneratedSerializer, **TARGETS_NOT_FOUND, **RULES},
        tags=TAGS,
    )
    @action(detail=False, methods=["post"], url_path="generate", url_name="generate")
    def generate(self, request):
        batch, codes = services.discount_codes_generate(account=self.account, **self.payload(GenerateSerializer))
        body = {"batch": batch, "count": len(codes), "codes": [{"id": code.pk, "code": code.code} for code in codes]}
        return self.respond(GeneratedSerializer, body, status.HTTP_201_CREATED)

    @extend_schema(
        summary="List a discount code's redemptions, newest first",
        description="One per order placed with the code; releasedAt is set when the order was cancelled (the use "
        "no longer counts against the limits).",
        responses={200: DiscountRedemptionSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"], url_path="redemptions", url_name="redemptions", filter_backends=[])
    def redemptions(self, request, discountId=None):
        discount = self.get_object()
        return self.paginated(discount.redemptions.order_by("-created_at", "-id"), DiscountRedemptionSerializer)


class DiscountValidateView(BaseAPIView):
    """A check that writes nothing: a read scope is enough (storefronts check codes with read keys)."""

    required_scope = "read:discounts"

    @extend_schema(
        summary="Check a discount code against an order total or a cart",
        description="By the rules an order placed with the code follows, and with the same amounts: valid, or "
        "valid false with the reason an order would be refused (reason: inactive, not_started, expired, "
        "currency_mismatch, exhausted, customer_limit_reached, below_minimum, "
        "not_applicable_items). Give orderTotal (the subtotal before discounts, shipping and tax) or items (the "
        "cart's lines: needed for codes limited to products or categories), and customerId for codes with a "
        "per-customer limit. Writes nothing. An unknown code is a 404 DISCOUNT_CODE_NOT_FOUND.",
        request=ValidateSerializer,
        responses={200: ValidationSerializer, 404: ERRORS.response("DISCOUNT_CODE_NOT_FOUND")},
        tags=TAGS,
    )
    def post(self, request):
        data = self.payload(ValidateSerializer)
        return self.respond(ValidationSerializer, services.discount_check(account=self.account, **data))


router = SimpleRouter(trailing_slash=False)
router.register("discounts/codes", DiscountCodeViewSet, basename="discount-code")

urlpatterns = [
    path("discounts/validate", DiscountValidateView.as_view(), name="discount-validate"),
    *router.urls,
]
