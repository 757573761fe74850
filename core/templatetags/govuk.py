from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def paragraphs(text: str) -> str:
    """Render plain text as GOV.UK body paragraphs: blank lines separate them."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return format_html_join(
        "\n",
        '<p class="govuk-body">{}</p>',
        ((mark_safe(escape(b).replace("\n", "<br>")),) for b in blocks),  # noqa: S308
    )
