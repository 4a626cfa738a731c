"""Catalog: a category tree per account and the products merchants sell.

Field rules (lengths, minimums, list shapes) live on the model fields, so the API serializers, the CSV
import and the admin all enforce the same ones; rules that span fields live in `clean()`. Services
call `full_clean()` before writing.
"""

import functools
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField

from . import stock as stock_totals

MAX_TAGS = 50
TAG_MAX_LENGTH = 64
MAX_IMAGES = 20
IMAGE_URL_MAX_LENGTH = 2000
ATTRIBUTES_MAX_CHARS = 10_000

_url_validator = URLValidator(schemes=["http", "https"])


def validate_tags(value) -> None:
    """A list of at most MAX_TAGS non-empty strings without commas (the CSV list separator)."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValidationError("Must be a list of strings.", code="invalid")
    if len(value) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags are allowed.", code="max_length")
    for tag in value:
        if not tag.strip():
            raise ValidationError("Tags cannot be blank.", code="blank")
        if len(tag) > TAG_MAX_LENGTH:
            raise ValidationError(f"Tags are at most {TAG_MAX_LENGTH} characters: {tag[:20]!r}…", code="max_length")
        if "," in tag:
            raise ValidationError(f"Tags cannot contain commas: {tag!r}.", code="invalid")


def validate_image_urls(value) -> None:
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        raise ValidationError("Must be a list of URLs.", code="invalid")
    if len(value) > MAX_IMAGES:
        raise ValidationError(f"At most {MAX_IMAGES} images are allowed.", code="max_length")
    for url in value:
        if len(url) > IMAGE_URL_MAX_LENGTH:
            raise ValidationError(f"Image URLs are at most {IMAGE_URL_MAX_LENGTH} characters.", code="max_length")
        try:
            _url_validator(url)
        except ValidationError:
            raise ValidationError(f"Not an http(s) URL: {url[:80]!r}.", code="invalid") from None


def validate_attributes(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object.", code="invalid")
    text = json.dumps(value)
    if len(text) > ATTRIBUTES_MAX_CHARS:
        raise ValidationError(f"At most {ATTRIBUTES_MAX_CHARS} characters of JSON.", code="max_length")
    if "\\u0000" in text:
        raise ValidationError("Cannot contain NUL characters.", code="null_characters_not_allowed")


MAX_OPTIONS = 3
MAX_OPTION_VALUES = 100
OPTION_NAME_MAX_LENGTH = 64
OPTION_VALUE_MAX_LENGTH = 255
DEFAULT_VARIANT_TITLE = "Default Title"


def validate_options(value) -> None:
    """At most MAX_OPTIONS options, each {"name": ..., "values": [...]}: names unique (ignoring case),
    values non-empty, unique within their option and ordered as given."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of options.", code="invalid")
    if len(value) > MAX_OPTIONS:
        raise ValidationError(f"At most {MAX_OPTIONS} options are allowed.", code="max_length")
    names = set()
    for option in value:
        if not isinstance(option, dict) or set(option) != {"name", "values"}:
            raise ValidationError('Each option is {"name": ..., "values": [...]}.', code="invalid")
        name, values = option["name"], option["values"]
        if not isinstance(name, str) or not name.strip() or len(name) > OPTION_NAME_MAX_LENGTH:
            raise ValidationError(f"Option names are 1 to {OPTION_NAME_MAX_LENGTH} characters.", code="invalid")
        if name.strip().lower() in names:
            raise ValidationError(f"Option names must be unique: {name!r}.", code="unique")
        names.add(name.strip().lower())
        if not isinstance(values, list) or not values or not all(isinstance(item, str) for item in values):
            raise ValidationError(f"Option {name!r} needs a list of at least one value.", code="invalid")
        if len(values) > MAX_OPTION_VALUES:
            raise ValidationError(f"At most {MAX_OPTION_VALUES} values per option.", code="max_length")
        if any(not item.strip() or len(item) > OPTION_VALUE_MAX_LENGTH for item in values):
            raise ValidationError(f"Option values are 1 to {OPTION_VALUE_MAX_LENGTH} characters.", code="invalid")
        if len({item.strip().lower() for item in values}) != len(values):
            raise ValidationError(f"The values of option {name!r} must be unique.", code="unique")


def default_variant_id(product_id: str) -> str:
    """The id of the variant a product is created with (its implicit variant while it has no options):
    derived from the product's id, so stock and order rows reach it without a query."""
    return f"var_{product_id.partition('_')[2]}"


# What merchants write (API, CSV, admin); the rest is ids, timestamps and counters.
PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "price",
    "compare_at_price",
    "cost",
    "currency",
    "status",
    "category",
    "tags",
    "images",
    "barcode",
    "weight",
    "attributes",
    "track_inventory",
    "allow_backorder",
)
CATEGORY_FIELDS = ("name", "slug", "parent", "description", "position")

non_negative = MinValueValidator(Decimal("0"), message="Must be zero or more.")


class Category(TenantModel):
    """A node in the account's category tree. `parent` is empty for top-level categories."""

    id = PrefixedIdField(kind="category")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, help_text="Unique within the account.")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", db_index=True
    )
    description = models.TextField(max_length=5000, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order among siblings, ascending.")

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "slug"], name="category_unique_account_slug"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="category_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id is not None:
            if self.parent_id == self.id:
                raise ValidationError({"parent": "A category cannot be its own parent."})
            if self.parent.account_id != self.account_id:
                raise ValidationError({"parent": "The parent must belong to the same account."})


class ProductStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Product(TenantModel):
    """Something the merchant sells. Never deleted once ordered: archived instead (see `order_count`)."""

    id = PrefixedIdField(kind="product")
    sku = models.CharField(
        max_length=64,
        validators=[RegexValidator(r"^\S+$", "SKUs cannot contain spaces.")],
        help_text="Unique within the account; compared exactly.",
    )
    name = models.CharField(max_length=255)
    description = models.TextField(max_length=10_000, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, validators=[non_negative])
    compare_at_price = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
        help_text="The 'was' price shown struck through; never below the price.",
    )
    cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative], help_text="Unit cost."
    )
    currency = models.CharField(
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as USD.")],
        help_text="ISO 4217; the account's currency unless given.",
    )
    status = models.CharField(max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    tags = JSONField(default=list, blank=True, validators=[validate_tags])
    images = JSONField(default=list, blank=True, validators=[validate_image_urls])
    barcode = models.CharField(max_length=64, blank=True, help_text="GTIN, EAN, UPC or ISBN.")
    weight = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True, validators=[non_negative], help_text="Kilograms."
    )
    attributes = JSONField(default=dict, blank=True, validators=[validate_attributes])
    track_inventory = models.BooleanField(default=True)
    allow_backorder = models.BooleanField(default=False)
    options = JSONField(
        default=list,
        blank=True,
        validators=[validate_options],
        help_text='Up to three options, e.g. [{"name": "Size", "values": ["S", "M"]}]; empty: one implicit variant.',
    )
    order_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Orders that included this product. Orders set this through "
        "catalog.services.product_mark_ordered; a product with orders is archived, never deleted.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "sku"], name="product_unique_account_sku"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gte=models.F("price")),
                name="product_compare_at_price_not_below_price",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["account", "price"]),
            models.Index(fields=["account", "name"]),
            models.Index(fields=["account", "updated_at"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    @property
    def has_orders(self) -> bool:
        return self.order_count > 0

    @property
    def listed_variants(self) -> list["ProductVariant"]:
        """The variants the API shows: none while the product has no options (its one variant is implicit)."""
        if not self.options:
            return []
        variants = list(self.variants.filter(is_default=False).order_by("position", "id"))
        for variant in variants:
            variant.__dict__["stock"] = stock_totals.totals(filter(None, [self.stock_rows.get(variant.pk)]))
        return variants

    @functools.cached_property
    def stock_rows(self) -> dict:
        """Its variants' stock (catalog.stock.by_variant), read once per instance."""
        return stock_totals.by_variant([self.pk])

    @property
    def stock(self) -> dict[str, int]:
        """On hand, reserved and available across its variants and the active warehouses."""
        return stock_totals.totals(self.stock_rows.values())

    def clean(self):
        errors = {}
        prices = (self.price, self.compare_at_price)
        if all(isinstance(value, Decimal) for value in prices) and self.compare_at_price < self.price:
            errors["compare_at_price"] = "Must not be below the price."
        if self.category_id is not None and self.category.account_id != self.account_id:
            errors["category"] = "The category must belong to the same account."
        if errors:
            raise ValidationError(errors)


class VariantStatus(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"


# What merchants write on a variant (API, admin); the rest is ids, the title, timestamps and counters.
VARIANT_FIELDS = (
    "sku",
    "option_values",
    "price",
    "compare_at_price",
    "barcode",
    "weight",
    "status",
    "image",
    "position",
)
OPTION_COLUMNS = ("option1", "option2", "option3")
# The variant fields a product without options mirrors from the product itself.
MIRRORED_FIELDS = ("sku", "price", "compare_at_price", "barcode", "weight")


class ProductVariant(TenantModel):
    """One sellable combination of a product's options (Size M, Colour Blue), with its own SKU and price.

    Every product has at least one variant. A product without options has exactly one, `is_default`, whose
    SKU, prices, barcode and weight are the product's own (the services keep them equal) and which the API
    never shows; its id is `default_variant_id(product.id)`. The SKU is unique within the account across
    products and variants: a variant may only share its SKU with its own product.
    """

    id = PrefixedIdField(kind="product_variant")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(
        max_length=64, validators=[RegexValidator(r"^\S+$", "SKUs cannot contain spaces.")], help_text="Unique."
    )
    title = models.CharField(max_length=800, editable=False, help_text='The option values joined by " / ".')
    option1 = models.CharField(max_length=OPTION_VALUE_MAX_LENGTH, blank=True)
    option2 = models.CharField(max_length=OPTION_VALUE_MAX_LENGTH, blank=True)
    option3 = models.CharField(max_length=OPTION_VALUE_MAX_LENGTH, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, validators=[non_negative])
    compare_at_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    barcode = models.CharField(max_length=64, blank=True)
    weight = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True, validators=[non_negative], help_text="Kilograms."
    )
    status = models.CharField(max_length=16, choices=VariantStatus.choices, default=VariantStatus.ACTIVE)
    image = models.URLField(max_length=IMAGE_URL_MAX_LENGTH, null=True, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order among the product's variants, ascending.")
    is_default = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "sku"], name="variant_unique_account_sku"),
            models.UniqueConstraint(
                fields=["product", "option1", "option2", "option3"],
                condition=~Q(status="archived"),
                name="variant_unique_product_options",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gte=models.F("price")),
                name="variant_compare_at_price_not_below_price",
            ),
        ]
        indexes = [models.Index(fields=["product", "position"])]

    def __str__(self):
        return f"{self.title} ({self.sku})"

    @property
    def option_values(self) -> list[str]:
        return [value for value in (self.option1, self.option2, self.option3) if value]

    # What stock, order lines and their events show of the variant: nothing (None) for the implicit variant
    # of a product without options, so such a product looks the same as before it could have variants.
    @property
    def shown_id(self) -> str | None:
        return None if self.is_default else self.pk

    @property
    def shown_sku(self) -> str | None:
        return None if self.is_default else self.sku

    @property
    def shown_title(self) -> str | None:
        return None if self.is_default else self.title

    @functools.cached_property
    def stock(self) -> dict[str, int]:
        """On hand, reserved and available across the active warehouses. Reads that show many variants fill
        it for all of them at once (catalog.selectors.variants_shown, Product.listed_variants)."""
        row = stock_totals.by_variant([self.product_id]).get(self.pk)
        return stock_totals.totals(filter(None, [row]))

    def clean(self):
        prices = (self.price, self.compare_at_price)
        if all(isinstance(value, Decimal) for value in prices) and self.compare_at_price < self.price:
            raise ValidationError({"compare_at_price": "Must not be below the price."})


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ProductImportJob(TenantModel):
    """A CSV import too large to answer in the request (more than PRODUCT_IMPORT_SYNC_ROWS rows), run by
    a Celery task. The uploaded file is kept as text in `content` until the job finishes, then emptied;
    the report (counts and per-row errors) stays. While it runs, the rows done so far are in the cache
    (catalog.selectors.import_job_processed_rows), since the import itself is one transaction."""

    id = PrefixedIdField(kind="product_import")
    status = models.CharField(max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED)
    file_name = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True, editable=False, help_text="The CSV file; emptied when the job ends.")
    all_or_nothing = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(help_text="Rows of the file, the header and blank lines aside.")
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    errors = JSONField(default=list, blank=True, help_text="The rows that failed, with their errors.")
    failure = JSONField(null=True, blank=True, help_text='Why a failed job failed: {"error", "code", "details"}.')
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self):
        return f"{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED)
