"""django-q2 tasks of badges: each takes an id and calls a service."""

from badges.services import batch_render


def render_batch(batch_id: int) -> None:
    batch_render(batch_id=batch_id)
