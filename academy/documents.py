"""The completion certificate as a PDF: A4 landscape, with its verification code and QR code."""

from django.conf import settings
from django.urls import reverse

from academy.models import Certificate
from core.pdf import render_pdf
from core.qr import qr_code


def certificate_verify_url(certificate: Certificate) -> str:
    """Return the public page that confirms the certificate, as a full address."""
    return settings.SITE_URL.rstrip("/") + reverse("academy:verify_code", args=[certificate.code])


def _qr_data_uri(url: str) -> str:
    # An SVG data: URI: the PDF renderer fetches nothing, and the code stays sharp in print.
    return qr_code(url).svg_data_uri(border=0)


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """Render the certificate as it was issued; a revoked one is marked REVOKED."""
    verify_url = certificate_verify_url(certificate)
    return render_pdf(
        template="pdf/academy/certificate.html",
        context={
            "certificate": certificate,
            "network_name": settings.NETWORK_NAME,
            "verify_url": verify_url,
            "qr_src": _qr_data_uri(verify_url),
        },
    )
