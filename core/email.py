"""Sending email: every message has a text and an HTML part, from templates.

`template` names a trio under templates/: `<template>_subject.txt`,
`<template>.txt` and `<template>.html`. Call from django-q2 tasks, never
inside a transaction that holds a lock.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str


def send_email(
    *,
    to: Iterable[str],
    template: str,
    context: dict,
    attachments: Iterable[Attachment] = (),
    reply_to: Iterable[str] = (),
    headers: dict | None = None,
) -> int:
    """Render and send one message to the given addresses; return how many were sent."""
    context = {
        "service_name": settings.SERVICE_NAME,
        "network_name": settings.NETWORK_NAME,
        "site_url": settings.SITE_URL,
        **context,
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        reply_to=list(reply_to),
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message.send()
