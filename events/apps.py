from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"
    demo_seeder = "events.demo.seed"

    role_permissions = {
        "Event staff": [
            f"{action}_{model}"
            for model in ("venue", "speaker", "event", "session", "tickettype")
            for action in ("add", "change", "delete", "view")
        ]
        + ["view_registration", "change_registration"],
        "Finance": ["view_event", "view_tickettype", "view_registration"],
        "Programme managers": ["view_event", "view_venue"],
    }

    def ready(self):
        from core.navigation import HomeSection, NavLink, register_home_section, register_nav_link
        from events.selectors import home_section_context

        register_nav_link(NavLink(label="Events", url_name="events:list", order=10))
        register_home_section(
            HomeSection(
                template_name="events/_home_section.html",
                get_context=home_section_context,
                order=10,
            )
        )
