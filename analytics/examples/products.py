"""OpenAPI examples of the products report (the docs and the Postman collection share them)."""

from drf_spectacular.utils import OpenApiExample

SHIRT_ID = "prod_0355sQ2mTx7Rb4Kc9Vn1Ye"
TOTE_ID = "prod_0355sR7cVb2Nm8Lx4Kq6Wd"
SHIRTS = {"id": "cat_0355sLq8KyT2mVb7Xw1dZe", "name": "Shirts"}

TOTALS = {
    "revenue": 10000.0,
    "units": 480,
    "orders": 350,
    "grossSales": 10400.0,
    "discounts": 400.0,
    "costOfGoods": 4500.0,
    "margin": 5500.0,
    "marginPercent": 55.0,
    "linesWithoutCost": 70,
}
SHIRT = {
    "productId": SHIRT_ID,
    "name": "Linen shirt",
    "category": SHIRTS,
    "revenue": 4000.0,
    "units": 100,
    "orders": 92,
    "grossSales": 4200.0,
    "discounts": 200.0,
    "costOfGoods": 1600.0,
    "margin": 2400.0,
    "marginPercent": 60.0,
    "share": 40.0,
    "linesWithoutCost": 0,
}
TOTE = {
    "productId": TOTE_ID,
    "name": "Canvas tote",
    "category": None,
    "revenue": 1500.0,
    "units": 75,
    "orders": 70,
    "grossSales": 1550.0,
    "discounts": 50.0,
    "costOfGoods": 0.0,
    "margin": 1500.0,
    "marginPercent": 100.0,
    "share": 15.0,
    "linesWithoutCost": 70,
}
VARIANTS = [
    {
        "variantId": "var_0355sQ3aLp5Wc8Nd2Xk7Hf",
        "productId": SHIRT_ID,
        "productName": "Linen shirt",
        "sku": "LS-M-WHT",
        "title": "M / White",
        "revenue": 1800.0,
        "units": 45,
        "orders": 41,
        "grossSales": 1890.0,
        "discounts": 90.0,
        "costOfGoods": 720.0,
        "margin": 1080.0,
        "marginPercent": 60.0,
        "share": 18.0,
        "linesWithoutCost": 0,
    },
    {
        "variantId": "var_0355sR7cVb2Nm8Lx4Kq6Wd",
        "productId": TOTE_ID,
        "productName": "Canvas tote",
        "sku": "TOTE-01",
        "title": None,
        **{key: value for key, value in TOTE.items() if key not in ("productId", "name", "category")},
    },
]
SLOW_MOVERS = [
    {
        "productId": "prod_0355sT4dXc9Qw2Bn7Mk5Rf",
        "name": "Wool scarf",
        "category": {"id": "cat_0355sM2pWq6Yb9Tc3Nx8Kd", "name": "Accessories"},
        "units": 0,
        "revenue": 0.0,
        "availableStock": 34,
    },
    {
        "productId": "prod_0355sU8fZk3Rv6Cm1Pj9Tg",
        "name": "Leather belt",
        "category": None,
        "units": 2,
        "revenue": 59.98,
        "availableStock": None,
    },
]
PRODUCTS_VALUE = {
    "startDate": "2024-01-01",
    "endDate": "2024-03-31",
    "currency": "USD",
    "sortBy": "revenue",
    "totals": TOTALS,
    "topProducts": [SHIRT, TOTE],
    "topVariants": VARIANTS,
    "slowMovers": SLOW_MOVERS,
}
PRODUCTS = [
    OpenApiExample("A quarter, two of each (limit=2)", value=PRODUCTS_VALUE, response_only=True),
    OpenApiExample(
        "Against the same quarter a year earlier (compareTo=previous_year)",
        value={
            **PRODUCTS_VALUE,
            "compareTo": "previous_year",
            "topProducts": [
                {**SHIRT, "comparisonRevenue": 3200.0, "revenueGrowth": 25.0},
                {**TOTE, "comparisonRevenue": 0.0, "revenueGrowth": None},
            ],
        },
        response_only=True,
    ),
]
PRODUCTS_CSV = (
    "productId,name,categoryId,categoryName,revenue,units,orders,grossSales,discounts,costOfGoods,margin,"
    "marginPercent,share,linesWithoutCost\r\n"
    f"{SHIRT_ID},Linen shirt,{SHIRTS['id']},Shirts,4000.00,100,92,4200.00,200.00,1600.00,2400.00,60.00,40.00,0\r\n"
    f"{TOTE_ID},Canvas tote,,,1500.00,75,70,1550.00,50.00,0.00,1500.00,100.00,15.00,70\r\n"
)
PRODUCTS_AS_CSV = [
    OpenApiExample("The top products as CSV", value=PRODUCTS_CSV, media_type="text/csv", response_only=True),
]
