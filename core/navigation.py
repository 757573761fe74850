"""Registries that let apps add to the shared page chrome without core
importing them: header links and home-page sections.

Apps register in their AppConfig.ready(); core only calls what it was given.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    # Shown only when this returns true for the request (None: to everyone).
    visible: Callable[[HttpRequest], bool] | None = None
    order: int = 100
    # The link counts as "here" for URLs under this path prefix...
    active_prefix: str | None = None
    # ...or whenever this says so, which beats any prefix.
    current: Callable[[HttpRequest], bool] | None = None


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool = False
    post: bool = False


@dataclass(frozen=True)
class HomeSection:
    template_name: str
    # Returns the context for the section, or None to leave it out.
    get_context: Callable[[HttpRequest], dict | None]
    order: int = 100


@dataclass
class _Registry:
    nav_links: list[NavLink] = field(default_factory=list)
    home_sections: list[HomeSection] = field(default_factory=list)


registry = _Registry()


def register_nav_link(link: NavLink) -> None:
    if link not in registry.nav_links:
        registry.nav_links.append(link)
        registry.nav_links.sort(key=lambda item: item.order)


def register_home_section(section: HomeSection) -> None:
    if section not in registry.home_sections:
        registry.home_sections.append(section)
        registry.home_sections.sort(key=lambda item: item.order)


def nav_items_for(request: HttpRequest) -> list[NavItem]:
    """Return the header links this request's user may see, marking the current one.

    When several links' prefixes match the path (/events/ and /events/staff/),
    only the longest is current.
    """
    visible = []
    for link in registry.nav_links:
        if link.visible is not None and not link.visible(request):
            continue
        url = reverse(link.url_name)
        prefix = link.active_prefix or url
        matches = request.path == url or (prefix != "/" and request.path.startswith(prefix))
        score = len(prefix) if matches else -1
        if link.current is not None and link.current(request):
            score = len(request.path) + 1
        visible.append((link, url, score))
    best = max((score for _, _, score in visible), default=-1)
    return [
        NavItem(label=link.label, url=url, active=score >= 0 and score == best)
        for link, url, score in visible
    ]


def home_sections_for(request: HttpRequest) -> list[tuple[str, dict]]:
    sections = []
    for section in registry.home_sections:
        context = section.get_context(request)
        if context is not None:
            sections.append((section.template_name, context))
    return sections
