"""Request and response shapes. Field rules come from the model fields; cross-field rules from the
services, so the CSV import and the admin enforce exactly the same ones.

Defaults declared here are what PUT resets an omitted field to (DRF skips defaults on PATCH).
"""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import (
    CurrencyField,
    MoneyField,
    StrictCharField,
    StrictChoiceField,
    StrictSlugField,
    TenantRelatedField,
)

from . import examples, selectors
from .csv_format import MAX_ROWS
from .models import (
    IMAGE_URL_MAX_LENGTH,
    MAX_OPTION_VALUES,
    MAX_OPTIONS,
    OPTION_NAME_MAX_LENGTH,
    OPTION_VALUE_MAX_LENGTH,
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Category,
    ImportJobStatus,
    Product,
    ProductImportJob,
    ProductStatus,
    ProductVariant,
    VariantStatus,
)

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class AccountCurrencyDefault:
    """Default for a `currency` field: the request account's currency."""

    requires_context = True

    def __call__(self, serializer_field):
        return serializer_field.context["request"].auth.account.currency

    def __repr__(self):
        return "AccountCurrencyDefault()"


@extend_schema_serializer(examples=examples.CATEGORIES)
class CategorySerializer(serializers.ModelSerializer):
    parent_id = TenantRelatedField(source="parent", queryset=Category.objects.all(), allow_null=True, default=None)
    slug = StrictSlugField(max_length=140, required=False, help_text="Made from the name when not given.")
    description = StrictCharField(max_length=5000, allow_blank=True, default="")
    position = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, help_text="Defaults to after the last sibling."
    )
    product_count = serializers.IntegerField(read_only=True, help_text="Products directly in this category.")

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "parent_id",
            "description",
            "position",
            "product_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not hasattr(instance, "product_count"):
            data["product_count"] = instance.products.count()
        return data


def weight_field() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=10,
        decimal_places=3,
        min_value=0,
        allow_null=True,
        default=None,
        coerce_to_string=False,
        help_text="Kilograms.",
    )


class ProductOptionSerializer(CompiledRepresentation, serializers.Serializer):
    name = StrictCharField(max_length=OPTION_NAME_MAX_LENGTH, help_text="Unique within the product, e.g. Size.")
    values = serializers.ListField(
        child=StrictCharField(max_length=OPTION_VALUE_MAX_LENGTH),
        min_length=1,
        max_length=MAX_OPTION_VALUES,
        help_text="In the order shown to buyers. Adding a value creates no variant.",
    )


class StockTotalsSerializer(serializers.Serializer):
    on_hand = serializers.IntegerField(read_only=True)
    reserved = serializers.IntegerField(read_only=True)
    available = serializers.IntegerField(read_only=True, help_text="onHand - reserved: what orders can take.")


def stock_field(whose: str) -> StockTotalsSerializer:
    return StockTotalsSerializer(
        read_only=True,
        help_text=f"{whose} stock summed over the active warehouses (per warehouse: GET /api/inventory/stock).",
    )


@extend_schema_serializer(examples=examples.VARIANTS)
class ProductVariantSerializer(CompiledRepresentation, serializers.ModelSerializer):
    product_id = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, help_text='The option values joined by " / ".')
    option_values = serializers.ListField(
        child=StrictCharField(max_length=OPTION_VALUE_MAX_LENGTH),
        max_length=MAX_OPTIONS,
        help_text="One value of each of the product's options, in the options' order.",
    )
    price = MoneyField(min_value=0)
    compare_at_price = MoneyField(min_value=0, allow_null=True, default=None, help_text="Never below price.")
    barcode = StrictCharField(max_length=64, allow_blank=True, default="")
    weight = weight_field()
    status = StrictChoiceField(choices=VariantStatus.choices, default=VariantStatus.ACTIVE)
    image = serializers.URLField(max_length=IMAGE_URL_MAX_LENGTH, allow_null=True, default=None)
    position = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, help_text="Defaults to after the last variant."
    )
    stock = stock_field("The variant's")

    class Meta:
        model = ProductVariant
        fields = ["id", "product_id", "title", *VARIANT_FIELDS, "stock", "created_at", "updated_at"]
        read_only_fields = ["id", "product_id", "title", "stock", "created_at", "updated_at"]


@extend_schema_serializer(examples=examples.PRODUCTS)
class ProductSerializer(CompiledRepresentation, serializers.ModelSerializer):
    category_id = TenantRelatedField(source="category", queryset=Category.objects.all(), allow_null=True, default=None)
    price = MoneyField(min_value=0)
    compare_at_price = MoneyField(min_value=0, allow_null=True, default=None, help_text="Never below price.")
    cost = MoneyField(min_value=0, allow_null=True, default=None, help_text="Unit cost, for margin analytics.")
    currency = CurrencyField(default=AccountCurrencyDefault(), help_text="ISO 4217; the account's by default.")
    status = StrictChoiceField(choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    description = StrictCharField(max_length=10_000, allow_blank=True, default="")
    barcode = StrictCharField(max_length=64, allow_blank=True, default="")
    tags = serializers.ListField(child=StrictCharField(max_length=64, allow_blank=False), default=list)
    images = serializers.ListField(child=serializers.URLField(max_length=2000), default=list)
    weight = weight_field()
    attributes = serializers.DictField(default=dict, help_text="Free-form JSON object; keys are kept as sent.")
    track_inventory = serializers.BooleanField(default=True)
    allow_backorder = serializers.BooleanField(default=False)
    options = ProductOptionSerializer(
        many=True,
        required=False,
        max_length=MAX_OPTIONS,
        help_text="Up to three options with ordered values; omitted on PUT keeps them. Empty: the product is "
        "its own single variant.",
    )
    variants = ProductVariantSerializer(
        source="listed_variants",
        many=True,
        read_only=True,
        help_text="Empty while the product has no options. Written through /api/products/{id}/variants.",
    )
    order_count = serializers.IntegerField(read_only=True, help_text="Orders that included this product.")
    stock = stock_field("All its variants'")

    class Meta:
        model = Product
        fields = [
            "id",
            *("category_id" if name == "category" else name for name in PRODUCT_FIELDS),
            "options",
            "variants",
            "stock",
            "order_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "variants", "stock", "order_count", "created_at", "updated_at"]


@extend_schema_serializer(examples=examples.PRODUCT_DELETED)
class ProductDeleteResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["deleted", "archived"], help_text="archived when the product has been ordered (history is kept)."
    )


@extend_schema_serializer(examples=examples.VARIANT_DELETED)
class VariantDeleteResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["deleted", "archived"], help_text="archived when stock or orders refer to the variant."
    )


@extend_schema_serializer(examples=examples.IMPORT)
class ProductImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"UTF-8 CSV, at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB / {MAX_ROWS} rows."
    )
    all_or_nothing = serializers.BooleanField(default=False, help_text="Any bad row: write nothing, answer 422.")
    dry_run = serializers.BooleanField(default=False, help_text="Validate and count, write nothing.")

    def validate_file(self, value):
        if value.size > MAX_IMPORT_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
        return value


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Spreadsheet row number; the header is row 1.")
    sku = serializers.CharField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


@extend_schema_serializer(examples=examples.IMPORT_REPORT)
class ProductImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()
    errors = ImportRowErrorSerializer(many=True)
    dry_run = serializers.BooleanField()


class ImportCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"error": {"type": "string"}, "code": {"type": "string"}, "details": {"nullable": True}},
        "required": ["error", "code", "details"],
        "additionalProperties": False,
    }
)
class ImportFailureField(serializers.JSONField):
    """The error envelope a job failed with, or null. Inline rather than a nested serializer: OpenAPI 3.0 has
    no nullable reference, and `allOf` with `nullable` beside it does not admit null."""


@extend_schema_serializer(examples=examples.IMPORT_JOBS)
class ProductImportJobSerializer(serializers.ModelSerializer):
    """An import of more than PRODUCT_IMPORT_SYNC_ROWS rows, run in the background."""

    status = serializers.ChoiceField(choices=ImportJobStatus.choices, read_only=True)
    processed_rows = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="Percent of the rows done, 0 to 100.")
    counts = serializers.SerializerMethodField()
    errors = ImportRowErrorSerializer(many=True, read_only=True, help_text="The rows that failed, once done.")
    failure = ImportFailureField(read_only=True, help_text="Why the job failed (an error envelope); null otherwise.")

    class Meta:
        model = ProductImportJob
        fields = [
            "id",
            "status",
            "file_name",
            "all_or_nothing",
            "dry_run",
            "total_rows",
            "processed_rows",
            "progress",
            "counts",
            "errors",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_processed_rows(self, job) -> int:
        return selectors.import_job_processed_rows(job)

    def get_progress(self, job) -> int:
        if job.is_finished:
            return 100
        return min(100, selectors.import_job_processed_rows(job) * 100 // max(job.total_rows, 1))

    @extend_schema_field(ImportCountsSerializer)
    def get_counts(self, job) -> dict:
        return {
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "failed": job.failed_count,
        }
