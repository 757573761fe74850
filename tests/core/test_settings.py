"""Settings come from the environment; each case runs a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 30 + "-a-long-random-production-secret-value",
    "ALLOWED_HOSTS": "events.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://events.example.org",
}

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "DB_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_HOST": settings.DATABASES["default"].get("HOST", ""),
    "Q_CLUSTER": {k: v for k, v in settings.Q_CLUSTER.items() if k in ("orm", "redis")},
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(settings, "EMAIL_HOST", ""),
    "EMAIL_PORT": getattr(settings, "EMAIL_PORT", 0),
    "EMAIL_FILE_PATH": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
    "SELLER": settings.SELLER,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "STORAGE": settings.STORAGES["default"]["BACKEND"],
}))
"""


def _run(args, env):
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, "ENV_FILE": "/dev/null", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(env) -> dict:
    result = _run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_secret_key_is_required_when_debug_is_off():
    result = _run(["-c", PROBE], {"DEBUG": "false"})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_defaults_to_off():
    assert _settings({"SECRET_KEY": PRODUCTION["SECRET_KEY"]})["DEBUG"] is False


def test_embedded_defaults_sqlite_orm_broker_database_cache():
    found = _settings({"DEBUG": "true"})

    assert found["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert found["DB_NAME"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert found["Q_CLUSTER"] == {"orm": "default"}
    assert found["CACHE"] == "django.core.cache.backends.db.DatabaseCache"
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["EMAIL_FILE_PATH"] == str(BASE_DIR / "var" / "mail")
    assert found["STORAGE"] == "django.core.files.storage.FileSystemStorage"


def test_database_url_and_redis_url_switch_database_broker_and_cache():
    found = _settings(
        {
            **PRODUCTION,
            "DATABASE_URL": "postgres://app:pw@db.internal:5432/events",
            "REDIS_URL": "redis://cache.internal:6379/2",
        }
    )

    assert found["DB_ENGINE"] == "django.db.backends.postgresql"
    assert (found["DB_NAME"], found["DB_HOST"]) == ("events", "db.internal")
    assert found["Q_CLUSTER"] == {"redis": "redis://cache.internal:6379/2"}
    assert found["CACHE"] == "django.core.cache.backends.redis.RedisCache"


def test_lists_email_stripe_and_seller_come_from_the_environment():
    found = _settings(
        {
            **PRODUCTION,
            "ALLOWED_HOSTS": "events.example.org,www.events.example.org",
            "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
            "STRIPE_SECRET_KEY": "sk_test_123",
            "SELLER_LEGAL_NAME": "Network Trading Ltd",
            "SELLER_VAT_NUMBER": "GB 123 4567 89",
            "AWS_STORAGE_BUCKET_NAME": "invoices",
        }
    )

    assert found["ALLOWED_HOSTS"] == ["events.example.org", "www.events.example.org"]
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"]) == ("smtp.example.org", 587)
    assert found["STRIPE_SECRET_KEY"] == "sk_test_123"
    assert found["SELLER"]["legal_name"] == "Network Trading Ltd"
    assert found["SELLER"]["vat_number"] == "GB 123 4567 89"
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["STORAGE"] == "storages.backends.s3.S3Storage"


def test_check_deploy_passes_with_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_debug_on():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "DEBUG": "true"},
    )

    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr
