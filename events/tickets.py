"""A ticket's QR code: the place's random secret and nothing else.

Used by the ticket page, the ticket email and (later) badges, so that every
copy of a ticket scans the same.
"""

import io

import segno


def ticket_qr(secret: str) -> segno.QRCode:
    return segno.make_qr(secret, error="m")


def ticket_qr_png(secret: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    ticket_qr(secret).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
