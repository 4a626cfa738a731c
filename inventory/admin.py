"""Inventory admin. Warehouses and reorder settings save through the services; quantities change only through
adjustments and transfers (the ledger is read-only here), so the admin can never put stock and ledger apart.
Products' pages get their stock per warehouse from here (catalog cannot import inventory)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import F, Prefetch
from django.http import HttpResponseRedirect
from django.urls import reverse

from catalog.admin import ProductAdmin, ProductVariantInline
from catalog.models import Product, VariantStatus
from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin
from omnisales.api.errors import ApplicationError

from . import services
from .models import WAREHOUSE_FIELDS, StockLevel, StockMovement, StockReservation, StockTransfer, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country", "priority", "is_active", "archived_at", "account"]
    list_display_links = ["code", "name"]
    list_filter = ["is_active", ("archived_at", admin.EmptyFieldListFilter), "account"]
    list_select_related = ["account"]
    search_fields = ["code", "name", "city"]
    readonly_fields = ["id", "archived_at", "created_at", "updated_at"]
    autocomplete_fields = ["account"]
    actions = ["deactivate", "activate"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "account"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in WAREHOUSE_FIELDS if name in form.cleaned_data}
        if change:
            saved = services.warehouse_update(
                warehouse=obj, data={name: data[name] for name in form.changed_data if name in data}
            )
        else:
            saved = services.warehouse_create(account=form.cleaned_data["account"], **data)
        obj.pk = saved.pk

    def get_deleted_objects(self, objs, request):
        # The service decides: stock → refused, history → archived, else deleted with its empty stock levels.
        return [str(obj) for obj in objs], {}, set(), []

    def delete_model(self, request, obj):
        try:
            result = services.warehouse_delete(warehouse=obj)
        except ApplicationError as exc:
            self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            request.warehouse_delete_refused = True
            return
        if result == "archived":
            self.message_user(request, f"{obj} has stock history, so it was archived instead.", messages.WARNING)

    def delete_queryset(self, request, queryset):
        for warehouse in queryset:
            self.delete_model(request, warehouse)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "warehouse_delete_refused", False):
            return HttpResponseRedirect(reverse("admin:inventory_warehouse_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    def _set_active(self, request, queryset, value: bool):
        count = 0
        for warehouse in queryset.filter(archived_at__isnull=True).exclude(is_active=value):
            services.warehouse_update(warehouse=warehouse, data={"is_active": value})
            count += 1
        self.message_user(request, f"{count} warehouse(s) {'activated' if value else 'deactivated'}.", messages.SUCCESS)

    @admin.action(description="Deactivate selected warehouses (stop allocating from them)")
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description="Activate selected warehouses")
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)


STOCK_COLUMNS = ["on_hand", "reserved", "available", "reorder_point", "reorder_quantity", "below_reorder_point"]


class LowStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", "At or below reorder point"), ("no", "Above reorder point")]

    def queryset(self, request, queryset):
        low = {"on_hand__lte": F("reserved") + F("reorder_point"), "warehouse__is_active": True}
        if self.value() == "yes":
            return queryset.filter(**low)
        if self.value() == "no":
            return queryset.exclude(**low)
        return queryset


class StockLevelForm(forms.ModelForm):
    class Meta:
        model = StockLevel
        fields = ["reorder_point", "reorder_quantity"]


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    """Reorder settings are editable; quantities change only through adjustments, transfers and orders."""

    form = StockLevelForm
    list_display = ["product", "variant", "warehouse", *STOCK_COLUMNS]
    list_filter = [LowStockFilter, ("warehouse", admin.RelatedOnlyFieldListFilter), "account"]
    list_select_related = ["product", "variant", "warehouse"]
    search_fields = ["product__name", "product__sku", "variant__sku", "warehouse__code", "warehouse__name"]
    fields = [
        "id",
        "account",
        "product",
        "variant",
        "warehouse",
        "on_hand",
        "reserved",
        "reorder_point",
        "reorder_quantity",
        "below_reorder_point",
        "updated_at",
    ]
    readonly_fields = [name for name in fields if name not in StockLevelForm.Meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Available")
    def available(self, obj):
        return obj.available

    def save_model(self, request, obj, form, change):
        services.stock_level_update(
            stock_level=obj,
            reorder_point=form.cleaned_data["reorder_point"],
            reorder_quantity=form.cleaned_data["reorder_quantity"],
        )


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "type",
        "product",
        "variant",
        "warehouse",
        "quantity",
        "on_hand_after",
        "reserved_after",
        "reference_type",
        "reference_id",
        "actor",
    ]
    list_filter = ["type", "reference_type", ("warehouse", admin.RelatedOnlyFieldListFilter), "account"]
    list_select_related = ["product", "variant", "warehouse"]
    search_fields = ["product__sku", "product__name", "variant__sku", "reference_id", "actor", "id"]
    date_hierarchy = "created_at"


@admin.register(StockReservation)
class StockReservationAdmin(ReadOnlyModelAdmin):
    list_display = [
        "reference_id",
        "reference_type",
        "product",
        "variant",
        "warehouse",
        "quantity",
        "status",
        "created_at",
    ]
    list_filter = ["status", "reference_type", "account"]
    list_select_related = ["product", "variant", "warehouse"]
    search_fields = ["reference_id", "product__sku", "product__name", "variant__sku"]


class StockTransferForm(forms.ModelForm):
    """Checks what it can before the service runs (which checks again under the row locks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "variant" in self.fields:  # a product without options needs none: the service finds its one variant
            self.fields["variant"].required = False
            self.fields["variant"].help_text = "Required for a product with several variants."

    class Meta:
        model = StockTransfer
        fields = ["product", "variant", "from_warehouse", "to_warehouse", "quantity", "note"]

    def clean(self):
        cleaned = super().clean()
        product, source, destination = (cleaned.get(name) for name in ("product", "from_warehouse", "to_warehouse"))
        if product is None or source is None or destination is None:
            return cleaned
        if not (product.account_id == source.account_id == destination.account_id):
            raise forms.ValidationError("The product and both warehouses must belong to the same account.")
        if source == destination:
            raise forms.ValidationError({"to_warehouse": "Must differ from the source warehouse."})
        variant = cleaned.get("variant")
        if variant is not None and variant.product_id != product.pk:
            raise forms.ValidationError({"variant": "Must be a variant of the product."})
        levels = StockLevel.objects.filter(product=product, warehouse=source)
        if variant is not None:
            levels = levels.filter(variant=variant)
        elif product.variants.exclude(status=VariantStatus.ARCHIVED).count() > 1:
            raise forms.ValidationError({"variant": "This product has several variants: choose one."})
        level = levels.first()
        available = level.available if level else 0
        if cleaned.get("quantity") and cleaned["quantity"] > available:
            raise forms.ValidationError({"quantity": f"Only {available} available in {source.code}."})
        return cleaned


@admin.register(StockTransfer)
class StockTransferAdmin(admin.ModelAdmin):
    """Transfers are added through the service (movements and all) and never changed or deleted."""

    form = StockTransferForm
    autocomplete_fields = ["product", "variant", "from_warehouse", "to_warehouse"]
    list_display = ["created_at", "product", "variant", "from_warehouse", "to_warehouse", "quantity", "actor"]
    list_filter = [("from_warehouse", admin.RelatedOnlyFieldListFilter), "account"]
    list_select_related = ["product", "variant", "from_warehouse", "to_warehouse"]
    search_fields = ["product__sku", "product__name", "variant__sku", "id", "note"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        transfer = services.stock_transfer_create(
            account=data["product"].account,
            product=data["product"],
            variant=data.get("variant"),
            from_warehouse=data["from_warehouse"],
            to_warehouse=data["to_warehouse"],
            quantity=data["quantity"],
            note=data.get("note", ""),
            actor=request.user.email,
        )
        obj.pk = transfer.pk


class ProductStockInline(ReadOnlyInline):
    model = StockLevel
    fk_name = "product"
    verbose_name_plural = "stock per variant and warehouse"
    fields = readonly_fields = ["variant", "warehouse", *STOCK_COLUMNS]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("warehouse", "variant")
            .order_by("variant__position", "variant_id", "warehouse__priority", "warehouse__code")
        )

    @admin.display(description="Available")
    def available(self, obj):
        return obj.available


class VariantWithStockInline(ProductVariantInline):
    """The product's variants with their stock per warehouse, read with one prefetch for all of them."""

    fields = readonly_fields = [*ProductVariantInline.fields, "stock"]

    def get_queryset(self, request):
        levels = StockLevel.objects.select_related("warehouse").order_by("warehouse__priority", "warehouse__code")
        return super().get_queryset(request).prefetch_related(Prefetch("stock_levels", queryset=levels))

    @admin.display(description="Stock (available / on hand per warehouse)")
    def stock(self, variant):
        levels = variant.stock_levels.all()
        return ", ".join(f"{level.warehouse.code}: {level.available}/{level.on_hand}" for level in levels) or "—"


class ProductWithStockAdmin(ProductAdmin):
    def get_inlines(self, request, obj):
        inlines = [
            VariantWithStockInline if inline is ProductVariantInline else inline
            for inline in super().get_inlines(request, obj)
        ]
        return [*inlines, ProductStockInline] if obj is not None else inlines  # nothing in stock before it exists


admin.site.unregister(Product)
admin.site.register(Product, ProductWithStockAdmin)
