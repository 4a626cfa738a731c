"""Demo catalog: eight categories (some nested) and 50 products, loaded through the real CSV import.

Idempotent: categories are looked up by slug and products are upserted by SKU, so a second run
changes nothing.
"""

import csv
import io
from decimal import Decimal

from accounts.models import Account, User

from . import services
from .csv_format import COLUMNS
from .exceptions import PlanLimitReached
from .models import Category, Product

# slug, name, parent slug, description
CATEGORIES = [
    ("apparel", "Apparel", None, "Clothing for every day."),
    ("mens-clothing", "Men's Clothing", "apparel", "Shirts, trousers and jackets for men."),
    ("womens-clothing", "Women's Clothing", "apparel", "Dresses, tops and knitwear for women."),
    ("footwear", "Footwear", None, "Shoes and boots."),
    ("electronics", "Electronics", None, "Gadgets and accessories."),
    ("audio", "Audio", "electronics", "Headphones and speakers."),
    ("home-kitchen", "Home & Kitchen", None, "Cookware and home goods."),
    ("outdoor", "Outdoor", None, "Camping and hiking gear."),
]

# category slug, SKU prefix, [(name, price, cost, tags)]
PRODUCTS = [
    (
        "mens-clothing",
        "MEN",
        [
            ("Oxford Button-Down Shirt", "49.00", "18.50", "cotton,office"),
            ("Slim Chino Trousers", "59.00", "21.00", "cotton"),
            ("Merino Crew Sweater", "89.00", "34.00", "wool,winter"),
            ("Waxed Field Jacket", "189.00", "72.00", "outerwear,winter"),
            ("Heavyweight Pocket Tee", "25.00", "7.40", "cotton,basics"),
            ("Selvedge Denim Jeans", "119.00", "41.00", "denim"),
            ("Quilted Vest", "79.00", "28.00", "outerwear"),
        ],
    ),
    (
        "womens-clothing",
        "WMN",
        [
            ("Linen Wrap Dress", "98.00", "35.00", "linen,summer"),
            ("Cashmere Turtleneck", "149.00", "61.00", "cashmere,winter"),
            ("High-Rise Wide-Leg Jeans", "109.00", "38.00", "denim"),
            ("Silk Camisole", "65.00", "22.00", "silk"),
            ("Cropped Trench Coat", "229.00", "88.00", "outerwear"),
            ("Ribbed Tank Top", "22.00", "6.10", "basics,cotton"),
            ("Pleated Midi Skirt", "72.00", "25.00", "office"),
        ],
    ),
    (
        "footwear",
        "FTW",
        [
            ("Leather Chelsea Boots", "179.00", "70.00", "leather,winter"),
            ("Canvas Low-Top Sneakers", "55.00", "17.00", "canvas,basics"),
            ("Trail Running Shoes", "129.00", "48.00", "running,outdoor"),
            ("Suede Loafers", "139.00", "52.00", "leather,office"),
            ("Waterproof Hiking Boots", "169.00", "64.00", "outdoor,waterproof"),
            ("Slide Sandals", "35.00", "9.50", "summer"),
        ],
    ),
    (
        "electronics",
        "ELC",
        [
            ("USB-C Charging Cable 2 m", "14.99", "2.10", "accessories,usb-c"),
            ("65 W GaN Wall Charger", "49.99", "15.80", "accessories,usb-c"),
            ("Wireless Charging Pad", "29.99", "8.40", "accessories"),
            ("Aluminium Laptop Stand", "44.99", "13.00", "office"),
            ("Mechanical Keyboard", "119.00", "46.00", "office,gaming"),
            ("Ergonomic Wireless Mouse", "59.00", "19.00", "office"),
            ("Portable SSD 1 TB", "99.00", "58.00", "storage"),
        ],
    ),
    (
        "audio",
        "AUD",
        [
            ("Noise-Cancelling Headphones", "299.00", "121.00", "wireless,bestseller"),
            ("True Wireless Earbuds", "129.00", "44.00", "wireless"),
            ("Bluetooth Bookshelf Speaker", "179.00", "70.00", "wireless,home"),
            ("Portable Waterproof Speaker", "79.00", "27.00", "wireless,outdoor,waterproof"),
            ("Studio Monitor Headphones", "149.00", "58.00", "wired"),
            ("USB Condenser Microphone", "109.00", "39.00", "recording"),
        ],
    ),
    (
        "home-kitchen",
        "HOM",
        [
            ("Cast Iron Skillet 26 cm", "39.00", "12.50", "cookware"),
            ("Enamelled Dutch Oven 5 L", "119.00", "44.00", "cookware,bestseller"),
            ("Chef's Knife 20 cm", "89.00", "27.00", "knives"),
            ("Bamboo Cutting Board", "29.00", "7.80", "kitchen"),
            ("Pour-Over Coffee Set", "45.00", "14.00", "coffee"),
            ("Linen Tea Towels (Set of 3)", "24.00", "6.00", "linen,kitchen"),
            ("Glass Storage Jars (Set of 4)", "34.00", "10.50", "storage,kitchen"),
            ("Stoneware Dinner Plates (Set of 4)", "64.00", "21.00", "tableware"),
        ],
    ),
    (
        "outdoor",
        "OUT",
        [
            ("Two-Person Backpacking Tent", "249.00", "102.00", "camping"),
            ("Down Sleeping Bag -5 °C", "199.00", "84.00", "camping,winter"),
            ("Insulated Water Bottle 750 ml", "32.00", "8.90", "hydration,bestseller"),
            ("Trekking Poles (Pair)", "69.00", "23.00", "hiking"),
            ("Headlamp 400 lm", "39.00", "11.20", "camping"),
            ("Packable Rain Jacket", "119.00", "42.00", "waterproof,outerwear"),
            ("Camping Stove", "59.00", "19.50", "camping,cookware"),
            ("Daypack 22 L", "85.00", "30.00", "hiking"),
            ("Microfiber Travel Towel", "19.00", "4.60", "travel"),
        ],
    ),
]


def _categories(account: Account, log) -> None:
    by_slug = {category.slug: category for category in Category.objects.filter(account=account)}
    for position, (slug, name, parent_slug, description) in enumerate(CATEGORIES):
        if slug in by_slug:
            continue
        by_slug[slug] = services.category_create(
            account=account,
            name=name,
            slug=slug,
            parent=by_slug.get(parent_slug) if parent_slug else None,
            description=description,
            position=position,
        )
        log(f"  catalog: category {name}")


def _ean13(serial: int) -> str:
    """An EAN-13 in the 200-299 range reserved for in-store numbering, with its check digit."""
    digits = f"200{serial:09d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def _products_csv() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    serial = 0
    for category_slug, prefix, items in PRODUCTS:
        for number, (name, price, cost, tags) in enumerate(items, start=1):
            serial += 1
            writer.writerow(
                {
                    "sku": f"{prefix}-{number:03d}",
                    "name": name,
                    "description": f"{name}. Part of the demo catalog.",
                    "price": price,
                    # Every third product is on sale: the old price is a quarter higher.
                    "compareAtPrice": (Decimal(price) * Decimal("1.25")).quantize(Decimal("0.01"))
                    if number % 3 == 0
                    else "",
                    "cost": cost,
                    "currency": "",
                    "status": "draft" if number == len(items) else "active",
                    "category": category_slug,
                    "tags": tags,
                    "images": f"https://picsum.photos/seed/{prefix.lower()}{number}/800/800",
                    "barcode": _ean13(serial),
                    "weight": "0.500",
                    "attributes": "",
                    "trackInventory": "true",
                    "allowBackorder": "false",
                }
            )
    return out.getvalue().encode()


# The product sold in sizes and colours: its options, and the SKU suffix of each value.
TEE_SKU = "MEN-005"
TEE_OPTIONS = [
    {"name": "Size", "values": ["S", "M", "L", "XL"]},
    {"name": "Colour", "values": ["Heather Grey", "Navy"]},
]
COLOUR_CODES = {"Heather Grey": "GRY", "Navy": "NVY"}


def _tee_variants(account: Account, log) -> None:
    """The pocket tee in four sizes and two colours (once: a product that has options already is left alone)."""
    tee = Product.objects.filter(account=account, sku=TEE_SKU).first()
    if tee is None or tee.options:
        return
    tee = services.product_update(product=tee, data={"options": TEE_OPTIONS})
    sizes, colours = (option["values"] for option in TEE_OPTIONS)
    combinations = [(size, colour) for size in sizes for colour in colours][1:]  # the first is the product's own
    for size, colour in combinations:
        services.variant_create(
            product=tee,
            sku=f"{TEE_SKU}-{size}-{COLOUR_CODES[colour]}",
            option_values=[size, colour],
            price=tee.price + (Decimal("3.00") if size == "XL" else 0),
        )
    log(f"  catalog: {TEE_SKU} sold in {len(combinations) + 1} variants")


def seed(account: Account, *, user: User, log) -> None:
    _categories(account, log)
    try:
        report = services.product_import(account=account, file=io.BytesIO(_products_csv()))
    except PlanLimitReached as exc:
        log(f"  catalog: products skipped ({exc.message})")
        return
    log(f"  catalog: products created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
    _tee_variants(account, log)
