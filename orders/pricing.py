"""Order arithmetic, in Decimal only. The one place totals, tax and payment status are worked out.

    line total = quantity × unit price                      (exact: prices have two decimals)
    subtotal   = Σ line totals                              (before discounts)
    discount   = Σ line discounts + shipping discount       (each line's at most its total)
    net        = subtotal - line discounts + shipping - shipping discount
    taxable    = subtotal - line discounts + (shipping - shipping discount if the account taxes shipping)

    prices exclude tax:  tax = round(taxable × rate / 100)            total = net + tax
    prices include tax:  tax = round(taxable × rate / (100 + rate))   total = net

`rate` is the account's `tax_rate` in percent; `round` is to the cent, ROUND_HALF_UP, once per order
on the taxable amount (never per line), so an order's tax never drifts by summing rounded pieces.
With tax-inclusive prices `tax` is the part of the total that is tax; the total is what was charged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

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
    discount: Decimal = Decimal("0.00")


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
    line_discounts: Iterable[Decimal] = (),
    shipping_discount: Decimal = Decimal("0.00"),
) -> Totals:
    """Raises AmountTooLarge when any figure would not fit the stored columns. Discounts come already
    allocated (`allocate`), each at most what it reduces."""
    subtotal = _checked(sum(line_totals, Decimal("0.00")), "subtotal")
    lines_discount = sum(line_discounts, Decimal("0.00"))
    shipping = to_cents(shipping)
    shipping_discount = min(to_cents(shipping_discount), shipping)
    goods = subtotal - lines_discount
    taxable = goods + (shipping - shipping_discount if tax_shipping else Decimal("0"))
    rate = Decimal(tax_rate)
    net = goods + shipping - shipping_discount
    if prices_include_tax:
        tax = to_cents(taxable * rate / (HUNDRED + rate))
        total = net
    else:
        tax = to_cents(taxable * rate / HUNDRED)
        total = net + tax
    return Totals(
        subtotal=subtotal,
        tax=tax,
        shipping=shipping,
        total=_checked(total, "order total"),
        discount=lines_discount + shipping_discount,
    )


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` (cents) split over lines in proportion to `weights` (their totals), in cents that add up to
    exactly `amount`: each line gets its share rounded down, and the cents left over go to the lines that
    lost most to rounding (largest remainder; ties to the earlier line). No line gets more than its weight
    when `amount` is at most their sum."""
    total = sum(weights, Decimal("0"))
    if amount <= 0 or total <= 0:
        return [Decimal("0.00")] * len(weights)
    amount = min(to_cents(amount), to_cents(total))
    exact = [amount * weight / total for weight in weights]
    shares = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = int((amount - sum(shares, Decimal("0"))) / CENT)
    by_remainder = sorted(range(len(weights)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in by_remainder[:left]:
        shares[index] += CENT
    return shares


def payment_status_for(*, total: Decimal, amount_paid: Decimal, amount_refunded: Decimal) -> str:
    """unpaid / partially_paid / paid, or partially_refunded / refunded once anything was refunded.

    `amount_paid` is net of refunds. A free order (total 0) is paid.
    """
    if amount_refunded > 0:
        return "refunded" if amount_paid == 0 else "partially_refunded"
    if amount_paid >= total:
        return "paid"
    return "unpaid" if amount_paid == 0 else "partially_paid"
