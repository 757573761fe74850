from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"
    demo_seeder = "events.demo.seed"
    schedules = [
        ("Expire waiting-list offers", "events.tasks.expire_waiting_list_offers", 5),
        ("Send event reminders", "events.tasks.send_due_reminders", 15),
    ]

    role_permissions = {
        "Event staff": [
            f"{action}_{model}"
            for model in ("venue", "speaker", "event", "session", "tickettype")
            for action in ("add", "change", "delete", "view")
        ]
        + [
            f"{action}_{model}"
            for model in ("registration", "waitinglistentry", "discountcode")
            for action in ("add", "change", "view")
        ]
        + ["delete_discountcode", "view_retiredticketsecret"],
        "Finance": ["view_event", "view_tickettype", "view_registration"],
        "Programme managers": ["view_event", "view_venue"],
    }

    def ready(self):
        from core.calendar import register_personal_source
        from core.navigation import HomeSection, NavLink, register_home_section, register_nav_link
        from events.selectors import home_section_context
        from events.services.places import on_order_paid, on_order_released
        from events.views.my import personal_calendar_entries
        from payments import hooks

        hooks.register(hooks.OrderEvent.PAID, on_order_paid)
        hooks.register(hooks.OrderEvent.CANCELLED, on_order_released)
        hooks.register(hooks.OrderEvent.EXPIRED, on_order_released)
        hooks.register_order_page(_order_page)

        register_nav_link(NavLink(label="Events", url_name="events:list", order=10))
        register_nav_link(
            NavLink(
                label="My bookings",
                url_name="my:list",
                visible=lambda request: request.user.is_authenticated,
                order=30,
            )
        )
        register_personal_source(personal_calendar_entries)
        register_nav_link(
            NavLink(
                label="Event desk",
                url_name="events:staff_index",
                visible=lambda request: request.user.has_perm("events.view_registration"),
                order=50,
                current=_on_event_desk,
            )
        )
        register_home_section(
            HomeSection(
                template_name="events/_home_section.html",
                get_context=home_section_context,
                order=10,
            )
        )


def _on_event_desk(request) -> bool:
    match = request.resolver_match
    return bool(match and match.namespace == "events" and match.url_name.startswith("staff"))


def _order_page(order):
    """Where a booker sees an order's event places (payments.hooks order page)."""
    from django.urls import reverse

    if order.event_registrations.exists():
        return ("View your bookings", reverse("my:list"))
    return None
