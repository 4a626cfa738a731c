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
    "options": [],
    "variants": [],
    "stock": {"onHand": 50, "reserved": 5, "available": 45},
    "orderCount": 42,
    "createdAt": "2024-01-10T09:15:00Z",
    "updatedAt": "2024-01-14T18:45:00Z",
}
TEE_ID = "prod_0355sQ2mTx7Rb4Kc9Vn1Ye"
VARIANT_ID = "var_0355sQ3aLp5Wc8Nd2Xk7Hf"
OPTIONS = [{"name": "Size", "values": ["S", "M", "L"]}, {"name": "Colour", "values": ["Black", "White"]}]
TEE_WRITE = {
    "sku": "TEE-ORG",
    "name": "Organic T-shirt",
    "price": 25.0,
    "currency": "USD",
    "status": "active",
    "options": OPTIONS,
}
VARIANT_WRITE = {
    "sku": "TEE-ORG-M-BLK",
    "optionValues": ["M", "Black"],
    "price": 25.0,
    "compareAtPrice": 30.0,
    "barcode": "0012345678905",
    "weight": 0.2,
    "status": "active",
    "image": "https://cdn.example.com/products/tee-black.jpg",
    "position": 2,
}
VARIANT = {
    "id": VARIANT_ID,
    "productId": TEE_ID,
    "sku": "TEE-ORG-M-BLK",
    "title": "M / Black",
    **{key: value for key, value in VARIANT_WRITE.items() if key != "sku"},
    "stock": {"onHand": 12, "reserved": 2, "available": 10},
    "createdAt": "2024-02-01T10:00:00Z",
    "updatedAt": "2024-02-01T10:00:00Z",
}
FIRST_VARIANT = {
    **VARIANT,
    "id": "var_0355sQ2mTx7Rb4Kc9Vn1Ye",
    "sku": "TEE-ORG",
    "title": "S / Black",
    "optionValues": ["S", "Black"],
    "compareAtPrice": None,
    "barcode": "",
    "weight": None,
    "image": None,
    "position": 0,
    "stock": {"onHand": 8, "reserved": 0, "available": 8},
}
# What a 422 VARIANT_REQUIRED lists (details.variants) for the T-shirt.
VARIANT_CHOICES = [
    {"id": variant["id"], "sku": variant["sku"], "title": variant["title"]} for variant in (FIRST_VARIANT, VARIANT)
]
TEE = {
    "id": TEE_ID,
    **PRODUCT_WRITE,
    **TEE_WRITE,
    "description": "",
    "compareAtPrice": None,
    "cost": None,
    "categoryId": None,
    "tags": [],
    "images": [],
    "barcode": "",
    "weight": None,
    "attributes": {},
    "variants": [FIRST_VARIANT, VARIANT],
    "stock": {"onHand": 20, "reserved": 2, "available": 18},
    "orderCount": 0,
    "createdAt": "2024-02-01T09:00:00Z",
    "updatedAt": "2024-02-01T09:00:00Z",
}
PRODUCTS = [
    OpenApiExample("Laptop", value=PRODUCT_WRITE, request_only=True),
    OpenApiExample("T-shirt with options", value=TEE_WRITE, request_only=True),
    OpenApiExample("Laptop", value=PRODUCT, response_only=True),
    OpenApiExample("T-shirt with variants", value=TEE, response_only=True),
]
VARIANTS = [
    OpenApiExample("Medium black", value=VARIANT_WRITE, request_only=True),
    OpenApiExample("Medium black", value=VARIANT, response_only=True),
]
VARIANT_PATCH = [OpenApiExample("Reprice", value={"price": 22.0, "compareAtPrice": 25.0}, request_only=True)]
VARIANT_DELETED = [
    OpenApiExample("Deleted", value={"id": "var_0355sR8kWm2Pq6Td4Zb9Jc", "result": "deleted"}),
    OpenApiExample("Archived (stock or orders refer to it)", value={"id": VARIANT_ID, "result": "archived"}),
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
    "trackInventory,allowBackorder,option1Name,option1Value,option2Name,option2Value,option3Name,option3Value,"
    "variantSku,variantPrice,variantCompareAtPrice,variantBarcode,variantWeight,variantStatus,variantImage,"
    "variantPosition\r\n"
    'LAPTOP-14-SLV,Laptop,"14-inch ultrabook, 16 GB RAM, 512 GB SSD.",999.99,1199.99,720.00,USD,active,laptops,'
    '"electronics, laptops",https://cdn.example.com/products/laptop-14-silver.jpg,0885909950805,1.290,'
    '"{""color"": ""silver""}",true,false,,,,,,,,,,,,,,\r\n'
    "TEE-POCKET,Pocket tee,,25.00,,,USD,active,tops,,,,,,true,false,Size,S,Colour,Black,,,TEE-POCKET,25.00,,,,"
    "active,,0\r\n"
    "TEE-POCKET,,,,,,,,,,,,,,,,,M,,Black,,,TEE-POCKET-M-BLK,25.00,,,,active,,1\r\n"
)
EXPORT = [OpenApiExample("One product", value=EXPORT_CSV, media_type="text/csv", response_only=True)]

IMPORT_JOBS = [
    OpenApiExample(
        "Queued",
        value={
            "id": "pimp_0355sQ3aLp5Wc8Nd2Xk7Hf",
            "status": "queued",
            "fileName": "products.csv",
            "allOrNothing": False,
            "dryRun": False,
            "totalRows": 10000,
            "processedRows": 0,
            "progress": 0,
            "counts": {"created": 0, "updated": 0, "unchanged": 0, "failed": 0},
            "errors": [],
            "failure": None,
            "createdAt": "2026-03-02T10:15:00Z",
            "startedAt": None,
            "finishedAt": None,
        },
        response_only=True,
        status_codes=["202"],
    ),
    OpenApiExample(
        "Running",
        value={
            "id": "pimp_0355sQ3aLp5Wc8Nd2Xk7Hf",
            "status": "running",
            "fileName": "products.csv",
            "allOrNothing": False,
            "dryRun": False,
            "totalRows": 10000,
            "processedRows": 4000,
            "progress": 40,
            "counts": {"created": 0, "updated": 0, "unchanged": 0, "failed": 0},
            "errors": [],
            "failure": None,
            "createdAt": "2026-03-02T10:15:00Z",
            "startedAt": "2026-03-02T10:15:01Z",
            "finishedAt": None,
        },
        response_only=True,
    ),
    OpenApiExample(
        "Succeeded",
        value={
            "id": "pimp_0355sQ3aLp5Wc8Nd2Xk7Hf",
            "status": "succeeded",
            "fileName": "products.csv",
            "allOrNothing": False,
            "dryRun": False,
            "totalRows": 10000,
            "processedRows": 10000,
            "progress": 100,
            "counts": {"created": 9000, "updated": 990, "unchanged": 9, "failed": 1},
            "errors": [{"row": 7, "sku": "MUG-002", "errors": {"variantPrice": ["A valid number is required."]}}],
            "failure": None,
            "createdAt": "2026-03-02T10:15:00Z",
            "startedAt": "2026-03-02T10:15:01Z",
            "finishedAt": "2026-03-02T10:15:04Z",
        },
        response_only=True,
    ),
]
