"""PDF documents from Django templates, with WeasyPrint: invoices, credit notes, badges.

A document may load the project's own static files (a logo, a stylesheet)
and `data:` URIs, and nothing else: the URL fetcher refuses `file:` URLs,
every outside host and every other path, so a customer's name or address
typed into a template can never make the renderer read a server file or call
out to the network. WeasyPrint skips a refused resource and carries on.

Templates refer to static files by their site path (`/static/css/x.css`,
or `{% static %}`); they resolve against BASE_URL, a host under the reserved
`.invalid` domain that no resolver will ever answer for, which the fetcher
maps to the static files finders.
"""

import functools
import mimetypes
import os
import posixpath
import threading
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

# The origin relative URLs in a document resolve against. Never fetched over
# the network: StaticFilesFetcher answers for it from the static files.
BASE_HOST = "documents.invalid"
BASE_URL = f"https://{BASE_HOST}/"

_font_config = None
_font_config_lock = threading.Lock()


class URLRefused(ValueError):
    """A document asked for something other than our static files or a data: URI."""


def font_configuration():
    """Return the process's one FontConfiguration.

    Building one loads every installed font (~100 ms); sharing it makes each
    later document that much faster.
    """
    global _font_config
    if _font_config is None:
        with _font_config_lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
    return _font_config


def _static_prefix() -> str:
    # STATIC_URL may be "static/", "/static/" or a CDN address: only its path counts.
    path = urlsplit(settings.STATIC_URL).path
    return "/" + path.strip("/") + "/"


def static_file_path(url: str) -> str:
    """Return the file system path of the static file a document URL names.

    Accept only `https://documents.invalid/static/...` (what `/static/...`
    resolves to). Raise URLRefused for any other URL, for a path that climbs
    out of the static files, and for a file that does not exist.
    """
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != ("https", BASE_HOST):
        raise URLRefused(f"Only the project's static files may be loaded, not {url[:100]}")
    prefix = _static_prefix()
    path = unquote(parts.path)
    if not path.startswith(prefix) or "\\" in path or "\x00" in path:
        raise URLRefused(f"Not a static file: {path[:100]}")
    name = path[len(prefix) :]
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise URLRefused(f"Not a static file: {path[:100]}")
    name = posixpath.normpath(name)
    found = finders.find(name)
    # Hashed names from `{% static %}` under the manifest storage live in STATIC_ROOT.
    if not found and staticfiles_storage.exists(name):
        found = staticfiles_storage.path(name)
    if found and os.path.isfile(found):
        return found
    raise URLRefused(f"No such static file: {name[:100]}")


@functools.cache
def _fetcher_class():
    # WeasyPrint takes half a second to import: only processes that render pay it.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serve our static files and data: URIs; refuse every other URL."""

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                # urllib's DataHandler decodes it; nothing is read or fetched.
                return super().fetch(url, headers)
            path = static_file_path(url)
            mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as file:
                body = file.read()
            return URLFetcherResponse(url, body, {"Content-Type": mimetype})

    return StaticFilesFetcher


def url_fetcher():
    """Return a fresh fetcher (it keeps per-request state) for one document."""
    return _fetcher_class()()


def render_pdf(*, template: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes.

    Take a template that styles itself (inline <style>, or static stylesheets
    by their /static/ path) and sets font-family in its @page margin boxes
    too: only the DejaVu fonts are certain to be installed. Slow (from about
    100 ms for one page): call it from a task, never while holding a lock.
    """
    from weasyprint import HTML

    html = render_to_string(template, context)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher())
    return document.write_pdf(font_config=font_configuration())
