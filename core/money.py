"""Money: Decimal pounds with two places, GBP, and UK VAT.

The one place that rounds. Integer pence exist only at the Stripe boundary
(`to_pence`, `from_pence`).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
UK_STANDARD_VAT_RATE = Decimal("20.00")  # per cent


def quantize(amount: Decimal | int | str) -> Decimal:
    """Round to the penny, halves away from zero (as HMRC allows)."""
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def vat_on(net: Decimal, rate_percent: Decimal) -> Decimal:
    """Return the VAT on a net amount at a rate given in per cent."""
    return quantize(Decimal(net) * Decimal(rate_percent) / 100)


@dataclass(frozen=True)
class Price:
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def is_free(self) -> bool:
        return self.net == ZERO and self.vat == ZERO


def price(net: Decimal, rate_percent: Decimal) -> Price:
    net = quantize(net)
    return Price(net=net, vat=vat_on(net, rate_percent))


def to_pence(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def from_pence(pence: int) -> Decimal:
    return quantize(Decimal(pence) / 100)


def format_gbp(amount: Decimal) -> str:
    """£1,234.50; £0.00 reads as "Free" only where a caller decides so."""
    return f"£{quantize(amount):,.2f}"
