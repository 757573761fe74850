"""QR codes: a secret (a ticket's, an enrolment's) or a link, and nothing else.

Used by tickets, badges, the academy's enrolment codes and certificates, so
that every copy of a code scans the same.
"""

import io

import segno


def qr_code(data: str) -> segno.QRCode:
    return segno.make_qr(data, error="m")


def qr_png(data: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    qr_code(data).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
