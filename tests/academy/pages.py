"""Reading pages as a person does: the visible text of a response."""

import re
from html import unescape


def visible_text(response) -> str:
    """The page's text with scripts, styles and tags removed and spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
