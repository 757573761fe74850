"""The staff roles and the permissions each needs.

Each app states the permissions of its own models that a role needs in its
AppConfig, as `role_permissions = {ROLE: ["codename", ...]}`; after every
migrate the groups are given them. So accounts never imports the apps above
it, and a new model's permissions land with the model.
"""

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EVENT_STAFF = "Event staff"
FINANCE = "Finance"
PROGRAMME_MANAGERS = "Programme managers"
ROLES = (EVENT_STAFF, FINANCE, PROGRAMME_MANAGERS)


def declared_role_permissions() -> dict[str, set[tuple[str, str]]]:
    """Collect (app_label, codename) pairs per role from every app."""
    declared: dict[str, set[tuple[str, str]]] = {role: set() for role in ROLES}
    for config in django_apps.get_app_configs():
        for role, codenames in getattr(config, "role_permissions", {}).items():
            if role not in declared:
                raise ValueError(f"{config.label} names an unknown role {role!r}")
            declared[role].update((config.label, codename) for codename in codenames)
    return declared


def roles_sync(**kwargs) -> None:
    """Create the role groups and give them the permissions the apps declare.

    Additive: permissions an admin gave a group by hand are kept.
    """
    for role, pairs in declared_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        if not pairs:
            continue
        wanted = Q()
        for app_label, codename in pairs:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()
