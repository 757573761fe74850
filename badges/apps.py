from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges"

    # The badge pages ask for events.change_registration, which event staff
    # have; this lets them look batches up in the admin too.
    role_permissions = {
        "Event staff": ["view_badgebatch"],
    }
