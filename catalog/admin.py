"""Catalog admin. Saves and deletes go through the services, so events, the plan limit and the
archive-instead-of-delete rule hold here exactly as in the API."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html

from omnisales.api.admin import ReadOnlyInline, ReadOnlyModelAdmin

from . import csv_format, selectors, services
from .models import (
    CATEGORY_FIELDS,
    PRODUCT_FIELDS,
    Category,
    Product,
    ProductImportJob,
    ProductStatus,
    ProductVariant,
)

VARIANT_COLUMNS = ["sku", "title", "price", "compare_at_price", "barcode", "weight", "status", "position"]


class ServiceAdmin(admin.ModelAdmin):
    """Saves through the app's services (events, limits, locks). The forms check the rules first, so the
    user sees form errors; the services check them again. An object never moves to another account."""

    writable_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "account"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in self.writable_fields if name in form.cleaned_data}
        if change:
            saved = self.update_through_service(obj, {name: data[name] for name in form.changed_data if name in data})
        else:
            saved = self.create_through_service(form.cleaned_data["account"], data)
        obj.pk = saved.pk

    def create_through_service(self, account, data):
        raise NotImplementedError

    def update_through_service(self, obj, data):
        raise NotImplementedError


class ProductAdminForm(forms.ModelForm):
    """Checks the plan limit before save, so the admin shows a form error instead of failing in the service."""

    class Meta:
        model = Product
        fields = ["account", *PRODUCT_FIELDS, "options"]

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account") or getattr(self.instance, "account", None)
        status = cleaned.get("status")
        adding = self.instance._state.adding
        unarchiving = not adding and self.instance.status == ProductStatus.ARCHIVED
        becomes_counted = status and status != ProductStatus.ARCHIVED and (adding or unarchiving)
        if account is not None and becomes_counted:
            usage = selectors.product_usage(account=account)
            if usage.current >= usage.limit:
                raise ValidationError(
                    f"The account's plan allows {usage.limit} products that are not archived and has {usage.current}."
                )
        return cleaned

    def _update_errors(self, errors):
        # Model.clean() names fields (compare_at_price) that a list_editable row form may not have.
        if hasattr(errors, "error_dict"):
            for name in [name for name in errors.error_dict if name != NON_FIELD_ERRORS and name not in self.fields]:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(errors.error_dict.pop(name))
        super()._update_errors(errors)


class ProductVariantInline(ReadOnlyInline):
    """The variants a product with options sells (variants are written through the API's variant routes)."""

    model = ProductVariant
    fk_name = "product"
    fields = readonly_fields = ["id", *VARIANT_COLUMNS]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_default=False).order_by("position", "id")


@admin.register(ProductVariant)
class ProductVariantAdmin(ReadOnlyModelAdmin):
    list_display = ["sku", "title", "product", "price", "status", "account", "updated_at"]
    list_filter = ["account", "status", "is_default"]
    list_select_related = ["product", "account"]
    search_fields = ["sku", "title", "barcode", "product__name", "product__sku"]


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    form = ProductAdminForm
    writable_fields = (*PRODUCT_FIELDS, "options")
    list_display = ["sku", "name", "category", "price", "currency", "status", "order_count", "account", "updated_at"]
    list_display_links = ["sku", "name"]
    list_editable = ["price", "status"]
    list_filter = ["status", ("category", admin.RelatedOnlyFieldListFilter), "track_inventory", "account"]
    list_select_related = ["category", "account"]
    search_fields = ["name", "sku", "barcode"]
    readonly_fields = ["id", "order_count", "created_at", "updated_at"]
    autocomplete_fields = ["category", "account"]
    actions = ["export_csv", "archive"]
    fieldsets = (
        ("Product", {"fields": ("name", "sku", "status", "category", "description", "account")}),
        ("Pricing", {"fields": ("price", "compare_at_price", "cost", "currency")}),
        ("Inventory", {"fields": ("track_inventory", "allow_backorder", "order_count")}),
        ("Details", {"fields": ("tags", "images", "barcode", "weight", "attributes")}),
        ("Options", {"fields": ("options",)}),
        ("Record", {"classes": ("collapse",), "fields": ("id", "created_at", "updated_at")}),
    )

    def get_inlines(self, request, obj):
        return [ProductVariantInline] if obj is not None else []  # a new product has only its implicit variant

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", ProductAdminForm)  # list_editable status changes meet the plan limit too
        return super().get_changelist_form(request, **kwargs)

    def create_through_service(self, account, data):
        return services.product_create(account=account, **data)

    def update_through_service(self, obj, data):
        return services.product_update(product=obj, data=data)

    def get_deleted_objects(self, objs, request):
        # The service decides (ordered → archived, else deleted with its variants), whatever staff may do to
        # variants directly (nothing: they are read-only here).
        return [str(obj) for obj in objs], {}, set(), []

    def delete_model(self, request, obj):
        result = services.product_delete(product=obj)
        if result == "archived":
            self.message_user(request, f"{obj} has been ordered, so it was archived instead.", messages.WARNING)

    def delete_queryset(self, request, queryset):
        results = [services.product_delete(product=product) for product in queryset]
        archived = results.count("archived")
        if archived:
            self.message_user(request, f"{archived} ordered product(s) were archived instead.", messages.WARNING)

    @admin.action(description="Export selected products as CSV")
    def export_csv(self, request, queryset):
        rows = csv_format.write_rows(queryset.select_related("category").iterator(chunk_size=2000))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="products-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response

    @admin.action(description="Archive selected products")
    def archive(self, request, queryset):
        count = 0
        for product in queryset.exclude(status=ProductStatus.ARCHIVED):
            services.product_update(product=product, data={"status": ProductStatus.ARCHIVED})
            count += 1
        self.message_user(request, f"{count} product(s) archived.", messages.SUCCESS)


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["account", *CATEGORY_FIELDS]

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        moving = not self.instance._state.adding and parent is not None
        if moving and selectors.category_is_in_subtree(
            account=self.instance.account, category_id=parent.pk, root_id=self.instance.pk
        ):
            raise ValidationError({"parent": "A category cannot be moved under itself or one of its descendants."})
        return cleaned


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    form = CategoryAdminForm
    writable_fields = CATEGORY_FIELDS
    list_display = ["tree_name", "slug", "product_count", "position", "account", "updated_at"]
    list_filter = ["account"]
    search_fields = ["name", "slug"]
    readonly_fields = ["id", "created_at", "updated_at"]
    autocomplete_fields = ["parent", "account"]
    ordering = ["account__name", "parent__name", "position", "name"]

    def get_queryset(self, request):
        return selectors.categories_with_product_counts(super().get_queryset(request).select_related("account"))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        results = list(changelist.result_list)
        depths = selectors.category_depths(account_ids={category.account_id for category in results})
        for category in results:
            category.tree_depth, category.tree_path = depths.get(category.pk, (0, category.name))
        return changelist

    @admin.display(description="Category", ordering="name")
    def tree_name(self, obj):
        depth = getattr(obj, "tree_depth", 0)
        return format_html(
            '<span style="padding-left:{}em" title="{}">{}{}</span>',
            depth * 1.5,
            getattr(obj, "tree_path", obj.name),
            "└ " if depth else "",
            obj.name,
        )

    @admin.display(description="Products", ordering="product_count")
    def product_count(self, obj):
        return obj.product_count

    def create_through_service(self, account, data):
        return services.category_create(account=account, **data)

    def update_through_service(self, obj, data):
        return services.category_update(category=obj, data=data)

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category)


@admin.register(ProductImportJob)
class ProductImportJobAdmin(ReadOnlyModelAdmin):
    """Large CSV imports run by a worker: what each did, and why a failed one failed."""

    list_display = [
        "id",
        "account",
        "status",
        "file_name",
        "total_rows",
        "created_count",
        "updated_count",
        "failed_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "account"]
    list_select_related = ["account"]
    search_fields = ["id", "file_name"]
    exclude = ["content"]  # the file itself (emptied once the job ends)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "content"]
