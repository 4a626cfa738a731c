"""OpenAPI examples of the catalog bodies (camelCase, as on the wire). The laptop is the product of the public
API document's order example (`prod_456`, "Laptop", 999.99)."""

from drf_spectacular.utils import OpenApiExample

CATEGORY_ID = "cat_0355sLq8KyT2mVb7Xw1dZe"
PRODUCT_ID = "prod_456"

CATEGORY_WRITE = {
    "name": "Laptops",
    "slug": "laptops",
    "parentId": None,
    "description": "Notebooks and ultrabooks.",
    "position": 0,
}
CATEGORY = {
    "id": CATEGORY_ID,
    **CATEGORY_WRITE,
    "productCount": 12,
    "createdAt": "2024-01-10T09:00:00Z",
    "updatedAt": "2024-01-12T16:20:00Z",
}
CATEGORIES = [
    OpenApiExample("Laptops", value=CATEGORY_WRITE, request_only=True),
    OpenApiExample("Laptops", value=CATEGORY, response_only=True),
]
CATEGORY_PATCH = [OpenApiExample("Rename", value={"name": "Laptops & Notebooks"}, request_only=True)]

PRODUCT_WRITE = {
    "sku": "LAPTOP-14-SLV",
    "name": "Laptop",
    "description": "14-inch ultrabook, 16 GB RAM, 512 GB SSD.",
    "price": 999.99,
    "compareAtPrice": 1199.99,
    "cost": 720.0,
    "currency": "USD",
    "status": "active",
    "categoryId": CATEGORY_ID,
    "tags": ["electronics", "laptops"],
    "images": ["https://cdn.example.com/products/laptop-14-silver.jpg"],
    "barcode": "0885909950805",
    "weight": 1.29,
    "attributes": {"color": "silver", "ram": "16 GB", "storage": "512 GB SSD"},
    "trackInventory": True,
    "allowBackorder": False,
}
PRODUCT = {
    "id": PRODUCT_ID,
    **PRODUCT_WRITE,
    "orderCount": 42,
    "createdAt": "2024-01-10T09:15:00Z",
    "updatedAt": "2024-01-14T18:45:00Z",
}
PRODUCTS = [
    OpenApiExample("Laptop", value=PRODUCT_WRITE, request_only=True),
    OpenApiExample("Laptop", value=PRODUCT, response_only=True),
]
PRODUCT_PATCH = [OpenApiExample("Reprice", value={"price": 949.99, "compareAtPrice": 1199.99}, request_only=True)]
PRODUCT_DELETED = [
    OpenApiExample("Deleted", value={"id": "prod_0355sNw3RkP8tYb2Lc6vQa", "result": "deleted"}),
    OpenApiExample("Archived (it has been ordered)", value={"id": PRODUCT_ID, "result": "archived"}),
]
IMPORT = [
    OpenApiExample(
        "Dry run",
        value={"file": "products.csv", "allOrNothing": False, "dryRun": True},
        media_type="multipart/form-data",
        request_only=True,
    ),
]
IMPORT_REPORT = [
    OpenApiExample(
        "One bad row",
        value={
            "created": 18,
            "updated": 4,
            "unchanged": 1,
            "failed": 1,
            "errors": [{"row": 7, "sku": "MUG-002", "errors": {"price": ["A valid number is required."]}}],
            "dryRun": False,
        },
    ),
]
EXPORT_CSV = (
    "sku,name,description,price,compareAtPrice,cost,currency,status,category,tags,images,barcode,weight,attributes,"
    "trackInventory,allowBackorder\r\n"
    'LAPTOP-14-SLV,Laptop,"14-inch ultrabook, 16 GB RAM, 512 GB SSD.",999.99,1199.99,720.00,USD,active,laptops,'
    '"electronics, laptops",https://cdn.example.com/products/laptop-14-silver.jpg,0885909950805,1.290,'
    '"{""color"": ""silver""}",true,false\r\n'
)
EXPORT = [OpenApiExample("One product", value=EXPORT_CSV, media_type="text/csv", response_only=True)]
