from decimal import Decimal

from django import template

from core.money import format_gbp

register = template.Library()


@register.filter
def gbp(amount) -> str:
    """Format pounds as £1,234.50."""
    if amount is None or amount == "":
        return ""
    return format_gbp(Decimal(amount))


@register.filter
def vat_percent(rate) -> str:
    """Format a VAT rate: 20.00 as 20%, 12.50 as 12.5%."""
    return f"{Decimal(rate).normalize():f}%"
