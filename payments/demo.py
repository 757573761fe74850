"""The demo's Stripe: localstripe on 127.0.0.1:8420 when no Stripe keys are set.

`python manage.py rundemo` (what `make run` runs) starts the processes listed
here beside the web server and the worker, and gives every process the
environment below, so the payment pages, the worker and the webhook all talk
to the same local server. Read only when rundemo runs, never at import.
"""

import importlib.util
import sys

from django.conf import settings
from django.urls import reverse

PORT = 8420
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_localstripe"


def _wanted(*, say_why: bool = False) -> bool:
    if settings.STRIPE_SECRET_KEY:
        return False  # real Stripe (test or live keys) is configured: leave it alone
    if importlib.util.find_spec("localstripe") is None:
        if say_why:
            print(
                "localstripe is not installed (pip install -r requirements-dev.txt): "
                "card payment is off in this demo.",
                file=sys.stderr,
            )
        return False
    return True


def environment() -> dict[str, str]:
    """Return the settings that point the web server and the worker at localstripe."""
    if not _wanted():
        return {}
    base = f"http://127.0.0.1:{PORT}"
    return {
        "STRIPE_API_BASE": base,
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_JS_URL": f"{base}/js.stripe.com/v3/",
    }


def processes() -> list[tuple[str, list[str], dict[str, str]]]:
    """Return localstripe's process: state kept beside the demo database, webhooks to us."""
    if not _wanted(say_why=True):
        return []
    webhook_url = settings.SITE_URL + reverse("payments:stripe_webhook")
    argv = [
        sys.executable,
        "-m",
        "payments.localstripe_server",
        "--state-file",
        str(settings.BASE_DIR / "var" / "localstripe.pickle"),
        "--webhook-url",
        webhook_url,
        "--webhook-secret",
        WEBHOOK_SECRET,
        "--port",
        str(PORT),
    ]
    return [("Stripe test server (localstripe)", argv, {})]
