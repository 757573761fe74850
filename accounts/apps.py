from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and organisations"
    demo_seeder = "accounts.demo.seed"
    demo_describer = "accounts.demo.describe"

    role_permissions = {
        "Event staff": ["view_organisation", "view_user"],
        "Finance": [
            "view_organisation",
            "change_organisation",
            "add_organisation",
            "view_organisationdomain",
            "view_user",
        ],
        "Programme managers": ["view_organisation", "view_user"],
    }

    def ready(self):
        from accounts.roles import roles_sync
        from core.navigation import NavLink, register_nav_link

        # After the last app's migrations every permission exists; syncing on
        # each app's signal is cheap and idempotent.
        post_migrate.connect(roles_sync, dispatch_uid="accounts.roles_sync")
        register_nav_link(
            NavLink(
                label="Site admin",
                url_name="admin:index",
                visible=lambda request: request.user.is_staff,
                order=900,
                active_prefix="/admin/",
            )
        )
