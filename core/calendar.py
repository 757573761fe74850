"""A registry of what goes into one person's private calendar feed.

Apps add their entries (event places, academy modules) without core importing
them: each registers, in its AppConfig.ready(), a callable that takes a user
and returns that person's VEVENTs. The feed view asks every source in turn.
"""

from collections.abc import Callable

import icalendar

PersonalSource = Callable[[object], list[icalendar.Event]]

_sources: list[PersonalSource] = []


def register_personal_source(source: PersonalSource) -> None:
    """Add a source of a person's calendar entries; registering twice adds it once."""
    if source not in _sources:
        _sources.append(source)


def personal_sources() -> list[PersonalSource]:
    """Return the registered sources, in the order they were registered."""
    return list(_sources)


def personal_events(user) -> list[icalendar.Event]:
    """Return every registered source's entries for the user."""
    return [vevent for source in _sources for vevent in source(user)]
