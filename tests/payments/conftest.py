"""localstripe for the payments tests: one server for the test session, on a free port.

Tests that take card payments ask for the `stripe_settings` fixture, which
points the settings at it. The server runs as its own process
(payments.localstripe_server), bound to 127.0.0.1, with its state in this
session's temporary directory; it is stopped when the session ends.
"""

import hashlib
import hmac
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_test_localstripe"


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """Start localstripe for the session; yield its base URL, such as http://127.0.0.1:41234."""
    folder = tmp_path_factory.mktemp("localstripe")
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "payments.localstripe_server",
            "--port",
            "0",
            "--state-file",
            str(folder / "state.pickle"),
        ],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        url = process.stdout.readline().strip() if ready else ""
        if not url.startswith("http://127.0.0.1:"):
            pytest.fail(f"localstripe did not start; see {folder / 'server.log'}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def stripe_settings(settings, localstripe):
    """Point the payments settings at the session's localstripe."""
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    return settings


@pytest.fixture
def localstripe_webhook(localstripe, live_server, stripe_settings):
    """Have localstripe deliver its webhook events to this test's live server.

    localstripe cannot forget a webhook, so afterwards it is pointed at a
    closed port for event types that never happen.
    """
    hook = f"test-{os.getpid()}"
    url = f"{live_server.url}/payments/stripe/webhook/"
    response = requests.post(
        f"{localstripe}/_config/webhooks/{hook}",
        data={"url": url, "secret": WEBHOOK_SECRET},
        timeout=10,
    )
    response.raise_for_status()
    yield url
    requests.post(
        f"{localstripe}/_config/webhooks/{hook}",
        data={"url": "http://127.0.0.1:9/", "secret": WEBHOOK_SECRET, "events[]": "none.none"},
        timeout=10,
    ).raise_for_status()


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Return a Stripe-Signature header for the payload, signed as Stripe signs."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_payload(event_id: str, event_type: str, obj: dict) -> str:
    """A webhook event's body as Stripe sends it."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "api_version": "2024-06-20",
            "data": {"object": obj},
        }
    )
