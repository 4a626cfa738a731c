"""Order arithmetic, in Decimal only. The one place totals, tax and payment status are worked out.

    line total = quantity × unit price                      (exact: prices have two decimals)
    subtotal   = Σ line totals
    taxable    = subtotal + (shipping if the account taxes shipping else 0)

    prices exclude tax:  tax = round(taxable × rate / 100)            total = subtotal + shipping + tax
    prices include tax:  tax = round(taxable × rate / (100 + rate))   total = subtotal + shipping

`rate` is the account's `tax_rate` in percent; `round` is to the cent, ROUND_HALF_UP, once per order
on the taxable amount (never per line), so an order's tax never drifts by summing rounded pieces.
With tax-inclusive prices `tax` is the part of the total that is tax; the total is what was charged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_AMOUNT = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)


class AmountTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _checked(amount: Decimal, what: str) -> Decimal:
    if amount > MAX_AMOUNT:
        raise AmountTooLarge(f"The {what} is larger than {MAX_AMOUNT}.")
    return amount


def line_total(*, quantity: int, unit_price: Decimal) -> Decimal:
    return _checked(to_cents(unit_price * quantity), "line total")


def order_totals(
    *,
    line_totals: Iterable[Decimal],
    shipping: Decimal,
    tax_rate: Decimal,
    prices_include_tax: bool,
    tax_shipping: bool,
) -> Totals:
    """Raises AmountTooLarge when any figure would not fit the stored columns."""
    subtotal = _checked(sum(line_totals, Decimal("0.00")), "subtotal")
    shipping = to_cents(shipping)
    taxable = subtotal + (shipping if tax_shipping else Decimal("0"))
    rate = Decimal(tax_rate)
    if prices_include_tax:
        tax = to_cents(taxable * rate / (HUNDRED + rate))
        total = subtotal + shipping
    else:
        tax = to_cents(taxable * rate / HUNDRED)
        total = subtotal + shipping + tax
    return Totals(subtotal=subtotal, tax=tax, shipping=shipping, total=_checked(total, "order total"))


def payment_status_for(*, total: Decimal, amount_paid: Decimal, amount_refunded: Decimal) -> str:
    """unpaid / partially_paid / paid, or partially_refunded / refunded once anything was refunded.

    `amount_paid` is net of refunds. A free order (total 0) is paid.
    """
    if amount_refunded > 0:
        return "refunded" if amount_paid == 0 else "partially_refunded"
    if amount_paid >= total:
        return "paid"
    return "unpaid" if amount_paid == 0 else "partially_paid"
