from django.conf import settings
from django.urls import reverse

from core.navigation import NavItem, nav_items_for


def service(request):
    """Give every page the service's name and the header's links."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        account_items = [
            NavItem(
                label="Your account",
                url=reverse("accounts:profile"),
                active=request.path.startswith("/accounts/"),
            ),
            NavItem(label="Sign out", url=reverse("account_logout"), post=True),
        ]
    else:
        account_items = [
            NavItem(label="Sign in", url=reverse("account_login")),
            NavItem(label="Create an account", url=reverse("account_signup")),
        ]
    return {
        "service_name": settings.SERVICE_NAME,
        "network_name": settings.NETWORK_NAME,
        "nav_items": nav_items_for(request) if user is not None else [],
        "account_items": account_items,
    }
