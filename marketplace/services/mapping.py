"""A platform's orders as Omni Sales orders: buyers matched to customers, lines matched to variants, the
platform's status and money carried over exactly.

Customers are matched by the platform's buyer id (remembered in `MarketplaceBuyer`), then by email, then
by phone (both normalized; masked values such as `j***@x.com` or `******89` are ignored), or created. Lines
are matched to variants by SKU; a line whose SKU matches nothing is kept in the order's
`marketplace.unmatchedItems` (its money stays in the totals) and never dropped.
"""

import functools
import threading
from decimal import Decimal
from typing import Any

import phonenumbers
from django.db.models import Q
from django.db.models.functions import Lower

from catalog.models import ProductVariant
from customers.models import Customer
from customers.normalize import InvalidValue, normalize_email, normalize_phone
from customers.services import customers_create_many
from omnisales.api.bulk import copy_upsert, new
from orders.models import Channel, PaymentMethod
from orders.services import ImportLine, ImportOrder

from ..models import MarketplaceBuyer, MarketplaceConnection
from ..providers.base import ExternalOrder

NAME_MAX = 200


def _email(raw: str) -> str | None:
    if not raw or "*" in raw:
        return None
    try:
        return normalize_email(raw)
    except InvalidValue:
        return None


@functools.lru_cache(maxsize=65_536)
def _phone(raw: str, region: str = "") -> str | None:
    """E.164 of a buyer's phone: international as it is; national (Lazada, Shopee) read in the shop's or
    address's country (`region`, ISO 3166), the country code without its "+" accepted too. Remembered: a
    returning buyer's number comes with each of their orders, and parsing one is most of matching them."""
    if not raw or "*" in raw:
        return None
    text = raw.strip()
    if not text.startswith("+"):
        if not region:
            return None
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            digits = "".join(char for char in text if char.isdigit())  # "6591234567": the code without "+"
            try:
                number = phonenumbers.parse("+" + digits, None)
            except phonenumbers.NumberParseException:
                return None
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    try:
        return normalize_phone(text)
    except InvalidValue:
        return None


# The marketplaces' countries, by the ISO code or the name their addresses use (a national phone number is
# read in its country).
_COUNTRIES = (
    ("SG", "Singapore"),
    ("MY", "Malaysia"),
    ("TH", "Thailand"),
    ("VN", "Vietnam"),
    ("PH", "Philippines"),
    ("ID", "Indonesia"),
    ("TW", "Taiwan"),
    ("BR", "Brazil"),
)
REGIONS = {**{code: code for code, _ in _COUNTRIES}, **{name.upper(): code for code, name in _COUNTRIES}}


class NewCustomer:
    """A customer a batch's plan found nobody for: its profile, and the customer once a write created it."""

    __slots__ = ("customer", "profile")

    def __init__(self, profile: dict[str, Any]):
        self.profile, self.customer = profile, None


def _resolved(entry: "Customer | NewCustomer") -> Customer:
    return entry.customer if isinstance(entry, NewCustomer) else entry


class CustomerPlan:
    """A batch's buyers: {external order id: customer or NewCustomer}, and the buyer ids to link to theirs."""

    def __init__(self):
        self.customers: dict[str, Customer | NewCustomer] = {}
        self.buyers: dict[str, Customer | NewCustomer] = {}


class Matcher:
    """Resolves customers and variants for the batches of one sync, remembering what it has seen."""

    def __init__(self, connection: MarketplaceConnection):
        self.connection = connection
        self.account = connection.account
        self.variants: dict[str, ProductVariant | None] = {}
        self.country = str(connection.details.get("country") or "")  # what the platform said of the shop
        # What this sync's plans decided, by ("b", buyer id), ("e", email) or ("p", phone): a customer found
        # or one to create. Later batches find it there before it is written (or committed).
        self.planned: dict[tuple[str, str], Customer | NewCustomer] = {}
        self.linked: set[tuple[str, str]] = set()  # (buyer id, customer id) links this sync wrote
        self.planning = threading.Lock()  # a write may plan an order again (its link vanished meanwhile)

    # ---- variants ---------------------------------------------------------------------------------
    def load_variants(self, skus: set[str]) -> None:
        wanted = {sku for sku in skus if sku and sku not in self.variants}
        if not wanted:
            return
        for variant in ProductVariant.objects.filter(account=self.account, sku__in=wanted).select_related("product"):
            self.variants[variant.sku] = variant
        for sku in wanted:
            self.variants.setdefault(sku, None)

    # ---- customers --------------------------------------------------------------------------------
    def plan_customers(self, orders: list[ExternalOrder]) -> "CustomerPlan":
        """Who each order's buyer is, read but not written: an existing customer, or a `NewCustomer` that
        `create_customers` makes. The batches of one sync are planned in order, possibly while the batch
        before is still being written: what this sync planned before (a buyer seen in an earlier batch) counts
        as found, exactly as if it had been written already, so one buyer is one customer."""
        with self.planning:
            return self._plan(orders)

    def _plan(self, orders: list[ExternalOrder]) -> "CustomerPlan":
        platform = self.connection.platform
        planned = self.planned
        keys = {}
        for order in orders:
            country = ((order.shipping_address or {}).get("country") or self.country).upper()
            keys[order.external_id] = (
                order.buyer_id or "",
                _email(order.buyer_email),
                _phone(
                    order.buyer_phone or (order.shipping_address or {}).get("phone", ""),
                    REGIONS.get(country, ""),
                ),
            )
        buyer_ids = {key[0] for key in keys.values() if key[0]}
        by_buyer = {
            buyer_id: customer
            for buyer_id, customer in (
                (link.buyer_id, link.customer)
                for link in MarketplaceBuyer.objects.filter(
                    account=self.account, platform=platform, buyer_id__in=buyer_ids
                ).select_related("customer")
            )
            if not customer.is_anonymized
        }
        # Emails and phones are looked up only for the orders whose buyer id matched nobody (a returning
        # buyer's orders, most of a sync's, never read them).
        unmatched = [key for key in keys.values() if not (key[0] and (key[0] in by_buyer or ("b", key[0]) in planned))]
        emails = {key[1] for key in unmatched if key[1]}
        phones = {key[2] for key in unmatched if key[2]}
        by_email, by_phone = {}, {}
        if emails or phones:
            condition = Q(pk__in=[])
            if emails:
                condition |= Q(email_lower__in=emails)
            if phones:
                condition |= Q(phone__in=phones)
            for customer in (
                Customer.objects.annotate(email_lower=Lower("email"))
                .filter(condition, account=self.account, is_anonymized=False)
                .order_by("created_at", "pk")
            ):
                if customer.email:
                    by_email.setdefault(customer.email.lower(), customer)
                if customer.phone:
                    by_phone.setdefault(customer.phone, customer)

        plan = CustomerPlan()
        for order in orders:
            buyer_id, email, phone = keys[order.external_id]
            # What this sync planned counts as written before this batch: after what the database has for
            # the same key, before the next key (the order of the lookups of a sync written batch by batch).
            customer = (
                (buyer_id and (by_buyer.get(buyer_id) or planned.get(("b", buyer_id))))
                or (email and (by_email.get(email) or planned.get(("e", email))))
                or (phone and (by_phone.get(phone) or planned.get(("p", phone))))
            )
            if not customer:
                name = order.buyer_name or (order.shipping_address or {}).get("name") or ""
                customer = NewCustomer(
                    {
                        "name": (name or f"{self.connection.get_platform_display()} buyer {buyer_id}".strip())[
                            :NAME_MAX
                        ],
                        "email": email,
                        "phone": phone,
                        "address": _address_text(order.shipping_address),
                        "tags": [platform],
                    }
                )
            if isinstance(customer, NewCustomer):  # each key of its orders finds it (one buyer, one customer)
                for key in (("b", buyer_id), ("e", email), ("p", phone)):
                    if key[1]:
                        planned.setdefault(key, customer)
            plan.customers[order.external_id] = customer
            if buyer_id and buyer_id not in by_buyer:  # linked to whom it matched (an anonymized one's: repointed)
                planned.setdefault(("b", buyer_id), customer)
                plan.buyers[buyer_id] = customer
        return plan

    def create_customers(self, plan: "CustomerPlan", external_ids: list[str]) -> dict[str, Customer]:
        """{external order id: customer} for these orders of a plan: the new customers the orders need that
        no earlier batch created are created, and their buyer ids linked. Run by the batch's write."""
        wanted = [plan.customers[external_id] for external_id in external_ids]
        missing = list(
            {id(entry): entry for entry in wanted if isinstance(entry, NewCustomer) and entry.customer is None}.values()
        )
        if missing:
            created = customers_create_many(account=self.account, profiles=[entry.profile for entry in missing])
            for entry, customer in zip(missing, created, strict=True):
                entry.customer = customer
        needed = {id(entry) for entry in wanted}
        links = {
            buyer_id: _resolved(entry)
            for buyer_id, entry in plan.buyers.items()
            if id(entry) in needed and (buyer_id, _resolved(entry).pk) not in self.linked
        }
        if links:  # a link to an anonymized customer is pointed at the new one
            copy_upsert(
                MarketplaceBuyer,
                [
                    new(
                        MarketplaceBuyer,
                        account=self.account,
                        platform=self.connection.platform,
                        buyer_id=buyer_id,
                        customer=customer,
                    )
                    for buyer_id, customer in links.items()
                ],
                conflict=["account", "platform", "buyer_id"],
                update=["customer", "updated_at"],
            )
            self.linked.update((buyer_id, customer.pk) for buyer_id, customer in links.items())
        return {external_id: _resolved(entry) for external_id, entry in zip(external_ids, wanted, strict=True)}

    # ---- orders -----------------------------------------------------------------------------------
    def import_order(self, order: ExternalOrder, customer: Customer | None) -> ImportOrder:
        lines, unmatched = [], []
        for line in order.lines:
            variant = self.variants.get(line.sku) if line.sku else None
            if variant is None:
                unmatched.append(
                    {"sku": line.sku, "name": line.name, "quantity": line.quantity, "price": str(line.unit_price)}
                )
            else:
                lines.append(ImportLine(variant=variant, quantity=line.quantity, unit_price=line.unit_price))
        lines = _merge_same_variant(lines)
        return ImportOrder(
            customer=customer,
            channel=self.connection.platform if self.connection.platform in Channel.values else Channel.ONLINE,
            status=order.status,
            placed_at=order.created_at,
            status_changed_at=order.updated_at,
            currency=order.currency.upper(),
            lines=lines,
            subtotal=order.subtotal,
            shipping=order.shipping_fee,
            total=order.total,
            discount=order.discount,
            paid=order.paid,
            payment_method=PaymentMethod.COD if order.cash_on_delivery else PaymentMethod.MARKETPLACE,
            payment_provider=self.connection.platform,
            external_id=order.order_number or order.external_id,
            shipping_address=_address(order.shipping_address),
            marketplace=marketplace_details(self.connection, order, unmatched),
        )


def marketplace_details(connection: MarketplaceConnection, order: ExternalOrder, unmatched: list[dict]) -> dict:
    return {
        "connection_id": connection.pk,
        "platform": connection.platform,
        "platform_status": order.platform_status,
        "discount": str(order.discount),
        "unmatched_items": unmatched,
    }


def _merge_same_variant(lines: list[ImportLine]) -> list[ImportLine]:
    """One line per variant and price (a platform may list one SKU twice)."""
    merged: dict[tuple[str, Decimal], ImportLine] = {}
    for line in lines:
        key = (line.variant.pk, line.unit_price)
        if key in merged:
            merged[key].quantity += line.quantity
        else:
            merged[key] = ImportLine(variant=line.variant, quantity=line.quantity, unit_price=line.unit_price)
    return list(merged.values())


def _address(address: dict[str, str] | None) -> dict[str, str] | None:
    """The platform's address in the order's shape (name, line_1, line_2, city, region, postal_code, country,
    phone), trimmed to its lengths."""
    if not address:
        return None
    shaped = {
        "name": address.get("name", "")[:200],
        "line_1": address.get("line1", "")[:200],
        "line_2": address.get("line2", "")[:200],
        "city": address.get("city", "")[:100],
        "region": address.get("state", "")[:100],
        "postal_code": address.get("postalCode", "")[:20],
        "country": address.get("country", "")[:100],
        "phone": address.get("phone", "")[:32],
    }
    return {key: value for key, value in shaped.items() if value} or None


def _address_text(address: dict[str, str] | None) -> str:
    if not address:
        return ""
    parts = [address.get(key, "") for key in ("line1", "line2", "city", "state", "postalCode", "country")]
    return ", ".join(part for part in parts if part)[:500]
