from django.apps import AppConfig


class AcademyConfig(AppConfig):
    name = "academy"
    verbose_name = "Leadership Academy"
    demo_seeder = "academy.demo.seed"
    demo_describer = "academy.demo.describe"
    schedules = [
        ("Lapse academy offers nobody confirmed", "academy.tasks.lapse_overdue_offers", 15),
    ]

    role_permissions = {
        "Programme managers": [
            f"{action}_{model}"
            for model in ("programme", "cohort", "module")
            for action in ("add", "change", "delete", "view")
        ]
        + [
            f"{action}_{model}"
            for model in ("application", "enrolment", "attendance", "certificate")
            for action in ("add", "change", "view")
        ],
        "Finance": ["view_enrolment", "view_cohort", "view_programme"],
    }

    def ready(self):
        from academy.ical import personal_calendar_entries
        from academy.selectors import home_section_context
        from academy.services.enrolments import on_order_paid, on_order_released
        from core.calendar import register_personal_source
        from core.navigation import HomeSection, NavLink, register_home_section, register_nav_link
        from payments import hooks

        hooks.register(hooks.OrderEvent.PAID, on_order_paid)
        hooks.register(hooks.OrderEvent.CANCELLED, on_order_released)
        hooks.register(hooks.OrderEvent.EXPIRED, on_order_released)
        hooks.register_order_page(_order_page)
        register_personal_source(personal_calendar_entries)

        register_nav_link(
            NavLink(
                label="Academy",
                url_name="academy:home",
                order=20,
                current=_on_public_academy,
            )
        )
        register_nav_link(
            NavLink(
                label="My academy",
                url_name="academy:my",
                visible=lambda request: request.user.is_authenticated,
                order=35,
                active_prefix="/academy/my/",
            )
        )
        register_nav_link(
            NavLink(
                label="Academy desk",
                url_name="academy:manage",
                visible=lambda request: request.user.has_perm("academy.change_application"),
                order=55,
                active_prefix="/academy/manage/",
            )
        )
        register_home_section(
            HomeSection(
                template_name="academy/_home_section.html",
                get_context=home_section_context,
                order=20,
            )
        )


def _on_public_academy(request) -> bool:
    path = request.path
    return path.startswith("/academy/") and not path.startswith(
        ("/academy/my/", "/academy/manage/")
    )


def _order_page(order):
    """Where a delegate sees the enrolment an order paid for (payments.hooks order page)."""
    enrolment = order.academy_enrolments.order_by("-pk").first()
    if enrolment is None:
        return None
    return ("View your enrolment", enrolment.get_absolute_url())
