"""core.pdf: templates to PDF, and a URL fetcher that serves only our static files."""

import io
import urllib.request
from base64 import b64encode
from pathlib import Path

import pypdf
import pytest
from django.conf import settings

from core import pdf

STATIC = Path(settings.BASE_DIR) / "static"


def test_fetcher_serves_our_static_files():
    response = pdf.url_fetcher().fetch(f"{pdf.BASE_URL}static/css/app.css")

    assert response.read() == (STATIC / "css" / "app.css").read_bytes()
    assert response.content_type == "text/css"
    svg = pdf.url_fetcher().fetch(f"{pdf.BASE_URL}static/images/favicon.svg")
    assert svg.content_type == "image/svg+xml"


def test_fetcher_serves_data_uris():
    response = pdf.url_fetcher().fetch("data:text/plain;base64,aGVsbG8=")

    assert response.read() == b"hello"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        f"file://{STATIC}/css/app.css",
        "http://example.org/x.png",
        "https://example.org/static/css/app.css",
        "http://documents.invalid/static/css/app.css",
        "https://documents.invalid:8443/static/css/app.css",
        "https://user@documents.invalid/static/css/app.css",
        "ftp://example.org/x.png",
        "https://documents.invalid/media/documents/2026/INV-2026-00001.pdf",
        "https://documents.invalid/static/",
        "https://documents.invalid/static/css/missing.css",
        "https://documents.invalid/static/../config/settings.py",
        "https://documents.invalid/static/%2e%2e/config/settings.py",
        "https://documents.invalid/static/css/..%2F..%2Fconfig/settings.py",
        "https://documents.invalid/static//etc/passwd",
        "https://documents.invalid/static/css",
        "https://documents.invalid/etc/passwd",
        "/static/css/app.css",
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(pdf.URLRefused):
        pdf.url_fetcher().fetch(url)


@pytest.fixture
def template_dir(settings, tmp_path):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return tmp_path


def test_render_never_fetches_files_or_outside_urls(template_dir, monkeypatch):
    (template_dir / "probe.html").write_text(
        """<!DOCTYPE html><html><head>
        <link rel="stylesheet" href="http://example.org/evil.css">
        <link rel="stylesheet" href="/static/probe-missing.css">
        <style>@page { @bottom-right { content: "Page " counter(page);
          font-family: "DejaVu Sans"; } }
          body { font-family: "DejaVu Sans"; }
          .bg { background: url(file:///etc/hostname); }</style>
        </head><body>
        <p>Hello {{ name }}</p>
        <img src="file:///etc/passwd" alt="">
        <img src="http://example.org/x.png" alt="">
        <img src="https://example.org/x.png" alt="">
        <img src="/static/images/favicon.svg" alt="">
        <img src="images/favicon.svg" alt="">
        <img src="{{ inline_svg }}" alt="">
        <div class="bg">x</div>
        </body></html>"""
    )
    asked, served = [], []
    real_static_file_path = pdf.static_file_path

    def spy(url):
        asked.append(url)
        path = real_static_file_path(url)
        served.append(url)
        return path

    used = []

    def refuse(name):
        # WeasyPrint swallows a fetcher's exceptions, so record the call too.
        def opened(self, *args, **kwargs):
            used.append(name)
            raise AssertionError(f"{name} was used")

        return opened

    monkeypatch.setattr(pdf, "static_file_path", spy)
    # The handlers that would read a file or reach a host: none may run.
    monkeypatch.setattr(urllib.request.FileHandler, "file_open", refuse("file:"))
    monkeypatch.setattr(urllib.request.HTTPHandler, "http_open", refuse("http:"))
    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", refuse("https:"))
    monkeypatch.setattr("socket.socket.connect", refuse("a socket"))

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    context = {
        "name": "Rhian",
        "inline_svg": "data:image/svg+xml;base64," + b64encode(svg).decode(),
    }
    content = pdf.render_pdf(template="probe.html", context=context)

    assert content.startswith(b"%PDF-")
    assert used == []
    assert "Hello Rhian" in pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert set(asked) >= {
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://example.org/x.png",
        "https://example.org/x.png",
        "http://example.org/evil.css",
        f"{pdf.BASE_URL}static/images/favicon.svg",
    }
    # Only the project's own favicon (by absolute and relative path) was served.
    assert set(served) == {
        f"{pdf.BASE_URL}static/images/favicon.svg",
    }


def test_one_font_configuration_is_shared():
    assert pdf.font_configuration() is pdf.font_configuration()
