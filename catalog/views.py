"""Catalog endpoints: parse, call one service or selector, render."""

import functools

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from djangorestframework_camel_case.parser import CamelCaseFormParser, CamelCaseMultiPartParser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import (
    ListMixin,
    RetrieveMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
    not_found,
)

from . import csv_format, examples, selectors, services
from .filters import CategoryFilter, ProductFilter
from .models import Category, Product, ProductImportJob, ProductVariant
from .serializers import (
    CategorySerializer,
    ProductDeleteResultSerializer,
    ProductImportJobSerializer,
    ProductImportReportSerializer,
    ProductImportSerializer,
    ProductSerializer,
    ProductVariantSerializer,
    VariantDeleteResultSerializer,
)

PRODUCTS = ["products"]


ERRORS = ErrorCatalog(
    error_example("DUPLICATE_SKU", "A product with this SKU already exists"),
    error_example(
        "DUPLICATE_CATEGORY_SLUG", "A category with this slug already exists", {"slug": ["'laptops' is already used."]}
    ),
    error_example(
        "CATEGORY_NOT_EMPTY",
        "The category still has products or subcategories; pass reassignTo to move them",
        {"products": 12, "children": 0},
    ),
    error_example(
        "INSUFFICIENT_SCOPE", "This request needs the 'write:products' scope.", {"requiredScope": "write:products"}
    ),
    error_example(
        "PLAN_LIMIT_REACHED",
        "Your plan's product limit is reached; archive products or upgrade the plan",
        {"limit": 100, "current": 100},
    ),
    error_example("REQUEST_TOO_LARGE", "Request body too large", {"maxBytes": 22020096}),
    error_example(
        "DUPLICATE_VARIANT",
        "A variant with these option values already exists",
        {"optionValues": ["M / Black is var_0355sQ3aLp5Wc8Nd2Xk7Hf."]},
    ),
    error_example(
        "LAST_VARIANT",
        "A product keeps at least one variant; delete or archive the product instead",
        {"variantId": ["var_0355sQ3aLp5Wc8Nd2Xk7Hf"]},
    ),
    error_example(
        "VARIANT_LIMIT_REACHED",
        "A product has at most 100 variants that are not archived",
        {"limit": 100, "current": 100},
    ),
    error_example(
        "PRODUCT_HAS_NO_OPTIONS",
        "Add options to the product before adding variants",
        {"options": ["The product has no options."]},
    ),
    error_example(
        "OPTION_VALUE_IN_USE",
        "An option value still used by a variant cannot be removed; archive or change the variant first",
        {"options": ["Size 'M' is used by var_0355sQ3aLp5Wc8Nd2Xk7Hf."]},
    ),
)
SKU_TAKEN = {409: ERRORS.response("DUPLICATE_SKU")}
VARIANT_CONFLICTS = {409: ERRORS.response("DUPLICATE_SKU", "DUPLICATE_VARIANT")}
VARIANT_REFUSED = {422: ERRORS.response("VARIANT_LIMIT_REACHED", "PRODUCT_HAS_NO_OPTIONS")}
SLUG_TAKEN = {409: ERRORS.response("DUPLICATE_CATEGORY_SLUG")}
CATEGORY_RESPONSE = [example for example in examples.CATEGORIES if example.response_only]
PRODUCT_RESPONSE = [example for example in examples.PRODUCTS if example.response_only]
VARIANT_RESPONSE = [example for example in examples.VARIANTS if example.response_only]


@extend_schema_view(
    list=extend_schema(summary="List categories", tags=PRODUCTS),
    create=extend_schema(summary="Create a category", responses={201: CategorySerializer, **SLUG_TAKEN}, tags=PRODUCTS),
    retrieve=extend_schema(summary="Get a category", tags=PRODUCTS),
    update=extend_schema(
        summary="Replace a category",
        description="Omitted `slug` and `position` keep their values; other omitted fields are reset.",
        responses={200: CategorySerializer, **SLUG_TAKEN},
        tags=PRODUCTS,
    ),
    partial_update=extend_schema(
        summary="Update a category",
        responses={200: CategorySerializer, **SLUG_TAKEN},
        examples=[*examples.CATEGORY_PATCH, *CATEGORY_RESPONSE],
        tags=PRODUCTS,
    ),
)
class CategoryViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """The account's category tree (`parentId` links a category to its parent)."""

    queryset = Category.objects.order_by("position", "name", "pk")
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    scope_area = "products"
    lookup_url_kwarg = "categoryId"

    def get_queryset(self):
        return selectors.categories_with_product_counts(super().get_queryset())

    def perform_create_with(self, data):
        return services.category_create(account=self.account, **data)

    def perform_update_with(self, category, data):
        return services.category_update(category=category, data=data)

    @extend_schema(
        summary="Delete a category",
        description="A category with products or subcategories is a 409 CATEGORY_NOT_EMPTY unless `reassignTo` "
        "names another category of the account: its products and subcategories are moved there first.",
        parameters=[
            OpenApiParameter(
                "reassignTo", str, description="Category id to move products and subcategories to before deleting."
            )
        ],
        responses={
            204: None,
            409: ERRORS.response("CATEGORY_NOT_EMPTY"),
        },
        tags=PRODUCTS,
    )
    def destroy(self, request, categoryId=None):
        category = self.get_object()
        target_id = request.query_params.get("reassignTo")
        target = None
        if target_id:
            target = self.get_queryset().filter(pk=target_id).first()
            if target is None:
                raise not_found(Category, target_id)
        services.category_delete(category=category, reassign_to=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List the products of a category",
        description="Products in the category and all its subcategories; takes the filters of GET /api/products.",
        tags=PRODUCTS,
    )
)
class CategoryProductViewSet(ListMixin, TenantViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    scope_area = "products"

    def base_queryset(self):
        return selectors.product_rows()

    def get_queryset(self):
        products = super().get_queryset()
        category_id = self.kwargs["categoryId"]
        subtree = selectors.category_subtree_ids(account=self.account, category_id=category_id)
        if not subtree:
            raise not_found(Category, category_id)
        return products.filter(category_id__in=subtree)


@extend_schema_view(
    list=extend_schema(summary="List products", tags=PRODUCTS),
    create=extend_schema(
        summary="Create a product",
        description="403 PLAN_LIMIT_REACHED when the plan's product limit is reached; 409 DUPLICATE_SKU.",
        responses={
            201: ProductSerializer,
            403: ERRORS.response("INSUFFICIENT_SCOPE", "PLAN_LIMIT_REACHED"),
            **SKU_TAKEN,
        },
        tags=PRODUCTS,
    ),
    retrieve=extend_schema(summary="Get a product", tags=PRODUCTS),
    update=extend_schema(
        summary="Replace a product",
        description="Omitted optional fields are reset to their defaults, except `options`, kept when omitted. "
        "Changing options keeps each variant's values (by option name); a new option gives every variant its "
        "first value; a removed value still used by a variant is a 422 OPTION_VALUE_IN_USE.",
        responses={200: ProductSerializer, **SKU_TAKEN, 422: ERRORS.response("OPTION_VALUE_IN_USE")},
        tags=PRODUCTS,
    ),
    partial_update=extend_schema(
        summary="Update a product",
        responses={200: ProductSerializer, **SKU_TAKEN, 422: ERRORS.response("OPTION_VALUE_IN_USE")},
        examples=[*examples.PRODUCT_PATCH, *PRODUCT_RESPONSE],
        tags=PRODUCTS,
    ),
)
class ProductViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    scope_area = "products"
    lookup_url_kwarg = "productId"
    compiled_list = True

    def base_queryset(self):
        if self.action in ("list", "retrieve"):  # reads that only render: rows, not instances
            return selectors.product_rows()
        return super().base_queryset()

    def perform_create_with(self, data):
        return services.product_create(account=self.account, **data)

    def perform_update_with(self, product, data):
        return services.product_update(product=product, data=data)

    @extend_schema(
        summary="Delete or archive a product",
        description="A product that has been ordered is archived (order history is never lost); "
        "otherwise it is deleted. `result` says which.",
        responses={200: ProductDeleteResultSerializer},
        tags=PRODUCTS,
    )
    def destroy(self, request, productId=None):
        product = self.get_object()
        result = services.product_delete(product=product)
        return self.respond(ProductDeleteResultSerializer, {"id": product.pk, "result": result})

    @extend_schema(
        summary="Import products from CSV",
        description="Upserts products and their variants by SKU (one row per variant; see docs/catalog.md for "
        "the columns). Rows that fail are reported with their errors; the others are written, unless "
        "allOrNothing (then any bad row is a 422 IMPORT_ROWS_INVALID and nothing is written). A file of more "
        "than PRODUCT_IMPORT_SYNC_ROWS rows (1,000) answers 202 with an import job (Location: its URL), "
        "imported in the background; GET /api/products/imports/{importId} follows it.",
        request={"multipart/form-data": ProductImportSerializer},
        responses={
            200: ProductImportReportSerializer,
            202: ProductImportJobSerializer,
            409: ERRORS.response(
                "DUPLICATE_SKU", description="DUPLICATE_SKU (a concurrent import or create took a SKU of the file)"
            ),
            413: ERRORS.response("REQUEST_TOO_LARGE"),
        },
        tags=PRODUCTS,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[CamelCaseMultiPartParser, CamelCaseFormParser],
        body_limit_setting="API_MAX_IMPORT_BODY_BYTES",  # a 20 MB file plus the multipart framing
    )
    def import_csv(self, request):
        data = self.payload(ProductImportSerializer)
        result = services.product_import_submit(
            account=self.account,
            file=data["file"],
            file_name=data["file"].name or "",
            all_or_nothing=data["all_or_nothing"],
            dry_run=data["dry_run"],
        )
        if isinstance(result, ProductImportJob):
            response = self.respond(ProductImportJobSerializer, result, status.HTTP_202_ACCEPTED)
            response["Location"] = reverse("product-import-detail", kwargs={"importId": result.pk})
            return response
        return self.respond(ProductImportReportSerializer, result.as_dict())

    @extend_schema(
        summary="Export products as CSV",
        description="The import's columns; takes the list's filters (no paging: every matching product).",
        responses={(200, "text/csv"): OpenApiTypes.STR},
        examples=examples.EXPORT,
        filters=True,
        tags=PRODUCTS,
    )
    @action(detail=False, methods=["get"], url_path="export", url_name="export", pagination_class=None)
    def export_csv(self, request):
        # Chunks of 2,000 products, each with one more statement for the variants of those with options.
        variants = ProductVariant.objects.filter(is_default=False).order_by("position", "id")
        products = (
            self.filter_queryset(self.get_queryset())
            .select_related("category")
            .prefetch_related(Prefetch("variants", queryset=variants))
        )
        response = StreamingHttpResponse(
            csv_format.write_rows(products.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
        )
        filename = f"products-{timezone.now():%Y%m%d-%H%M%S}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def perform_content_negotiation(self, request, force=False):
        # The export answers text/csv itself; errors on it are still JSON, whatever Accept says.
        return super().perform_content_negotiation(request, force=force or self.action == "export_csv")


@extend_schema_view(
    list=extend_schema(
        summary="List the variants of a product",
        description="Empty for a product without options (it is its own single variant).",
        tags=PRODUCTS,
    ),
    create=extend_schema(
        summary="Create a variant",
        description="For a product with options: one value of each option, a combination no other variant "
        "(not archived) has, a SKU unique in the account, at most PRODUCT_VARIANT_LIMIT variants per product.",
        responses={201: ProductVariantSerializer, **VARIANT_CONFLICTS, **VARIANT_REFUSED},
        tags=PRODUCTS,
    ),
    retrieve=extend_schema(summary="Get a variant", tags=PRODUCTS),
    update=extend_schema(
        summary="Replace a variant",
        description="Omitted optional fields are reset to their defaults; an omitted `position` is kept.",
        responses={200: ProductVariantSerializer, **VARIANT_CONFLICTS, **VARIANT_REFUSED},
        tags=PRODUCTS,
    ),
    partial_update=extend_schema(
        summary="Update a variant",
        responses={200: ProductVariantSerializer, **VARIANT_CONFLICTS, **VARIANT_REFUSED},
        examples=[*examples.VARIANT_PATCH, *VARIANT_RESPONSE],
        tags=PRODUCTS,
    ),
)
class ProductVariantViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """The variants of one product (`/api/products/{productId}/variants`)."""

    queryset = ProductVariant.objects.all()
    serializer_class = ProductVariantSerializer
    scope_area = "products"
    lookup_url_kwarg = "variantId"

    @functools.cached_property
    def product(self) -> Product:
        product_id = self.kwargs["productId"]
        product = Product.objects.filter(account=self.account, pk=product_id).first()
        if product is None:
            raise not_found(Product, product_id)
        return product

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        # A variant's id names it on its own: the detail routes answer 404 for the variant (unknown, another
        # account's or another product's), the collection routes 404 for an unknown product.
        product_id = self.kwargs["productId"] if "variantId" in self.kwargs else self.product.pk
        return selectors.variants_shown(queryset, product_id=product_id)

    def create(self, request, *args, **kwargs):
        _ = self.product  # another account's product is a 404 before the body is looked at
        return super().create(request, *args, **kwargs)

    def perform_create_with(self, data):
        return services.variant_create(product=self.product, **data)

    def perform_update_with(self, variant, data):
        return services.variant_update(variant=variant, data=data)

    @extend_schema(
        summary="Delete or archive a variant",
        description="A variant that stock or orders refer to (and the product's first variant) is archived; "
        "otherwise it is deleted. The last variant that is not archived is a 409 LAST_VARIANT.",
        responses={200: VariantDeleteResultSerializer, 409: ERRORS.response("LAST_VARIANT")},
        tags=PRODUCTS,
    )
    def destroy(self, request, productId=None, variantId=None):
        variant = self.get_object()
        result = services.variant_delete(variant=variant)
        return self.respond(VariantDeleteResultSerializer, {"id": variant.pk, "result": result})


@extend_schema_view(
    list=extend_schema(summary="List product import jobs", tags=PRODUCTS),
    retrieve=extend_schema(
        summary="Get a product import job",
        description="Status, progress (processedRows of totalRows, as a percentage) and, once done, the counts "
        "and the rows that failed; a failed job carries the error that stopped it (nothing was imported).",
        tags=PRODUCTS,
    ),
)
class ProductImportJobViewSet(RetrieveMixin, ListMixin, TenantViewSet):
    """CSV imports too large for one request (POST /api/products/import answers 202 with one)."""

    queryset = ProductImportJob.objects.defer("content").order_by("-created_at", "-id")
    serializer_class = ProductImportJobSerializer
    scope_area = "products"
    lookup_url_kwarg = "importId"
