"""OpenAPI examples of the inventory bodies (camelCase, as on the wire): the laptop of the catalog examples
stocked in a Springfield warehouse."""

from drf_spectacular.utils import OpenApiExample

from catalog.examples import PRODUCT_ID, TEE_ID, VARIANT, VARIANT_CHOICES, VARIANT_ID

WAREHOUSE_ID = "wh_0355rTz6PqW1nLk8Vb3yXd"
OTHER_WAREHOUSE_ID = "wh_0355rUa9DmC4sJh2Qx7tNf"
STOCK_LEVEL_ID = "stk_0355sVc1GhR7kWm4Tz9pLb"
SKU = "LAPTOP-14-SLV"
NO_VARIANT = {"variantId": None, "variantSku": None, "variantTitle": None}  # a product without options

WAREHOUSE_WRITE = {
    "name": "Main Distribution Center",
    "code": "MAIN",
    "addressLine1": "1200 Commerce Way",
    "addressLine2": "",
    "city": "Springfield",
    "region": "IL",
    "postalCode": "62701",
    "country": "US",
    "isActive": True,
    "priority": 10,
}
WAREHOUSE = {
    "id": WAREHOUSE_ID,
    **WAREHOUSE_WRITE,
    "isArchived": False,
    "archivedAt": None,
    "createdAt": "2024-01-02T08:00:00Z",
    "updatedAt": "2024-01-02T08:00:00Z",
}
WAREHOUSES = [
    OpenApiExample("Main warehouse", value=WAREHOUSE_WRITE, request_only=True),
    OpenApiExample("Main warehouse", value=WAREHOUSE, response_only=True),
]
WAREHOUSE_PATCH = [
    OpenApiExample("Allocate from it first", value={"priority": 5}, request_only=True),
    OpenApiExample("Main warehouse", value={**WAREHOUSE, "priority": 5}, response_only=True),
]
WAREHOUSE_DELETED = [
    OpenApiExample("Deleted", value={"id": WAREHOUSE_ID, "result": "deleted"}),
    OpenApiExample("Archived (stock moved through it)", value={"id": WAREHOUSE_ID, "result": "archived"}),
]

PRODUCT_TOTALS = {"onHand": 65, "reserved": 3, "available": 62}
STOCK_LEVEL = {
    "id": STOCK_LEVEL_ID,
    "productId": PRODUCT_ID,
    "productName": "Laptop",
    "sku": SKU,
    **NO_VARIANT,
    "warehouseId": WAREHOUSE_ID,
    "warehouseCode": "MAIN",
    "warehouseIsActive": True,
    "onHand": 40,
    "reserved": 3,
    "available": 37,
    "reorderPoint": 10,
    "reorderQuantity": 25,
    "isLowStock": False,
    "productTotals": PRODUCT_TOTALS,
    "updatedAt": "2024-01-15T10:30:00Z",
}
VARIANT_STOCK_LEVEL = {
    **STOCK_LEVEL,
    "id": "stk_0355sVd2HjS8kXn5Ua1qMc",
    "productId": TEE_ID,
    "productName": "Organic T-shirt",
    "sku": "TEE-ORG",
    "variantId": VARIANT_ID,
    "variantSku": VARIANT["sku"],
    "variantTitle": VARIANT["title"],
    "onHand": 12,
    "reserved": 2,
    "available": 10,
    "reorderPoint": 5,
    "productTotals": {"onHand": 30, "reserved": 2, "available": 28},
}
STOCK_LEVELS = [
    OpenApiExample("Laptops in the main warehouse", value=STOCK_LEVEL, response_only=True),
    OpenApiExample("One variant of a T-shirt", value=VARIANT_STOCK_LEVEL, response_only=True),
]
STOCK_LEVEL_SETTINGS = [
    OpenApiExample("Reorder at 10, 25 at a time", value={"reorderPoint": 10, "reorderQuantity": 25}, request_only=True)
]

MOVEMENT = {
    "id": "mov_0355sWd4JkT8mYp1Vc6rQa",
    "stockLevelId": STOCK_LEVEL_ID,
    "productId": PRODUCT_ID,
    "sku": SKU,
    **NO_VARIANT,
    "warehouseId": WAREHOUSE_ID,
    "warehouseCode": "MAIN",
    "type": "receipt",
    "quantity": 25,
    "onHandChange": 25,
    "reservedChange": 0,
    "onHandAfter": 40,
    "reservedAfter": 3,
    "referenceType": "adjustment",
    "referenceId": None,
    "reason": "received",
    "note": "PO-2024-0117 from the distributor",
    "actor": "jane@example.com",
    "createdAt": "2024-01-15T10:30:00Z",
}
MOVEMENTS = [OpenApiExample("A receipt", value=MOVEMENT, response_only=True)]
ADJUST = [
    OpenApiExample(
        "Receive 25 laptops",
        value={
            "productId": PRODUCT_ID,
            "warehouseId": WAREHOUSE_ID,
            "quantity": 25,
            "reason": "received",
            "note": "PO-2024-0117 from the distributor",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Receive 10 medium black T-shirts",
        value={"variantId": VARIANT_ID, "warehouseId": WAREHOUSE_ID, "quantity": 10, "reason": "received"},
        request_only=True,
    ),
]
ADJUST_RESULT = [
    OpenApiExample("Received", value={"movement": MOVEMENT, "stockLevel": STOCK_LEVEL}, response_only=True)
]

TRANSFER = {
    "id": "trf_0355sXe7LmV2pZq5Wd8tRb",
    "productId": PRODUCT_ID,
    "sku": SKU,
    **NO_VARIANT,
    "fromWarehouseId": WAREHOUSE_ID,
    "fromWarehouseCode": "MAIN",
    "toWarehouseId": OTHER_WAREHOUSE_ID,
    "toWarehouseCode": "EAST",
    "quantity": 5,
    "note": "Restock the east coast",
    "actor": "jane@example.com",
    "createdAt": "2024-01-15T11:00:00Z",
}
TRANSFERS = [
    OpenApiExample(
        "Move 5 laptops east",
        value={
            "productId": PRODUCT_ID,
            "fromWarehouseId": WAREHOUSE_ID,
            "toWarehouseId": OTHER_WAREHOUSE_ID,
            "quantity": 5,
            "note": "Restock the east coast",
        },
        request_only=True,
    ),
    OpenApiExample("Moved", value=TRANSFER, response_only=True),
]

ALERTS = [
    OpenApiExample(
        "Running low",
        value={
            "stockLevelId": STOCK_LEVEL_ID,
            "productId": PRODUCT_ID,
            "productName": "Laptop",
            "sku": SKU,
            **NO_VARIANT,
            "warehouseId": WAREHOUSE_ID,
            "warehouseCode": "MAIN",
            "onHand": 9,
            "reserved": 1,
            "available": 8,
            "reorderPoint": 10,
            "reorderQuantity": 25,
            "suggestedReorderQuantity": 25,
            "soldLast30Days": 36,
            "averageDailySales": 1.2,
            "daysOfCover": 6.7,
            "productTotals": {"onHand": 14, "reserved": 1, "available": 13},
        },
        response_only=True,
    )
]
INSUFFICIENT_STOCK = (
    "INSUFFICIENT_STOCK",
    "Not enough stock available",
    {
        "productIds": [PRODUCT_ID],
        "products": [{"productId": PRODUCT_ID, "variantId": None, "sku": SKU, "requested": 50, "available": 37}],
    },
)
VARIANT_REQUIRED = (
    "VARIANT_REQUIRED",
    f"{TEE_ID} has several variants: name one with variantId",
    {
        "productId": [f"{TEE_ID} has several variants: send variantId instead."],
        "variants": VARIANT_CHOICES,
    },
)
