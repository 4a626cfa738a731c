"""Demo data: 150 customers with plausible names, contact details and tags, plus two saved segments.

Order statistics stay at zero here; the orders demo gives these customers their history through
the stats services. Emails use the reserved example.* domains and phone numbers come from the
ranges set aside for fiction (NANP 555-01xx, UK 020 7946 0xxx, AU 0491 570 xxx). Deterministic and
idempotent: customers are matched by email, segments by name.
"""

import random

from .models import Customer, CustomerSegment
from .normalize import normalize_phone
from .services import rfm_scores_refresh, segment_create

DEMO_CUSTOMER_COUNT = 150

FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo",
    "Isabella", "Levi", "Charlotte", "Ethan", "Harper", "Aarav", "Priya", "Wei", "Mei", "Hiroshi", "Yuki",
    "Fatima", "Omar", "Amara", "Kwame", "Sofia", "Diego", "Lucia", "Camila", "Santiago", "Chloe", "Finn",
    "Grace", "Jack", "Isla", "Arjun", "Ananya", "Minh", "Linh", "Siti", "Rizal", "Nadia", "Ivan", "Elena",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Lee", "Nguyen", "Patel", "Kim", "Chen", "Tanaka",
    "Okafor", "Mensah", "Haddad", "Rossi", "Silva", "Santos", "Kowalski", "Novak", "Schmidt", "Dubois",
    "O'Brien", "Murphy", "Walsh", "Campbell", "Stewart", "Singh", "Sharma", "Tan", "Lim", "Wong", "Ivanova",
]  # fmt: skip
DOMAINS = ["example.com", "example.net", "example.org"]
STREETS = [
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Lakeview Rd", "Sunset Blvd",
    "Harbour Rd", "Church St", "Station Rd", "Park Ave", "River Rd", "Hill St", "Market St",
]  # fmt: skip
# (country, city, region, postal code, phone prefix for a fictional range, digits to add)
PLACES = [
    ("US", "Springfield", "IL", "62701", "+1217555", 4),
    ("US", "San Francisco", "CA", "94105", "+1415555", 4),
    ("US", "New York", "NY", "10001", "+1212555", 4),
    ("US", "Boston", "MA", "02108", "+1617555", 4),
    ("CA", "Toronto", "ON", "M5H 2N2", "+1416555", 4),
    ("GB", "London", "", "EC1A 1BB", "+4420794600", 2),
    ("AU", "Sydney", "NSW", "2000", "+61491570", 3),
]
TAGS = [("newsletter", 0.45), ("regular", 0.3), ("vip", 0.12), ("wholesale", 0.08), ("b2b", 0.05), ("local", 0.2)]
SEGMENTS = [
    ("VIPs", "Tagged vip by the team.", {"tags": {"any": ["vip"]}}),
    ("Wholesale buyers", "Trade accounts.", {"tags": {"any": ["wholesale", "b2b"]}}),
]


def _phone(rng: random.Random, prefix: str, digits: int) -> str:
    if prefix.endswith("555"):  # NANP: only 555-0100 to 555-0199 are fictional
        return normalize_phone(f"{prefix}01{rng.randrange(100):02d}")
    return normalize_phone(prefix + "".join(str(rng.randrange(10)) for _ in range(digits)))


def _customers(account) -> list[Customer]:
    rng = random.Random(20240115)  # noqa: S311 - reproducible demo data, not security
    customers = []
    for number in range(1, DEMO_CUSTOMER_COUNT + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country, city, region, postal_code, prefix, digits = rng.choice(PLACES)
        street = f"{rng.randrange(1, 999)} {rng.choice(STREETS)}"
        local_part = f"{first}.{last}".lower().replace("'", "")
        has_phone = rng.random() < 0.8
        tags = [tag for tag, share in TAGS if rng.random() < share]
        customers.append(
            Customer(
                account=account,
                name=f"{first} {last}",
                email=f"{local_part}{number}@{rng.choice(DOMAINS)}",
                phone=_phone(rng, prefix, digits) if has_phone else None,
                address=", ".join(part for part in (street, city, region, postal_code) if part),
                shipping_address={
                    "line_1": street,
                    "line_2": "",
                    "city": city,
                    "region": region,
                    "postal_code": postal_code,
                    "country": country,
                },
                tags=tags,
                accepts_email_marketing="newsletter" in tags or rng.random() < 0.3,
                accepts_sms_marketing=has_phone and rng.random() < 0.35,
            )
        )
    return customers


def seed(account, *, user, log) -> None:
    wanted = _customers(account)
    existing = set(
        Customer.objects.filter(account=account, email__in=[c.email for c in wanted]).values_list("email", flat=True)
    )
    missing = [customer for customer in wanted if customer.email not in existing]
    Customer.objects.bulk_create(missing, batch_size=500)
    for name, description, rules in SEGMENTS:
        if not CustomerSegment.objects.filter(account=account, name__iexact=name).exists():
            segment_create(account=account, name=name, description=description, rules=rules)
    rfm_scores_refresh(account=account)
    log(f"Customers: {len(missing)} created, {len(existing)} already there.")
