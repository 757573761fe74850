"""Pages pass axe-core's WCAG 2.2 AA rules in a real browser."""

import pytest

from tests.accounts.factories import UserFactory
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ],
)
def test_page_has_no_axe_violations(page, path):
    page.goto(path)

    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_sign_in_errors_pass_axe_and_link_to_fields(page):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error:")
    assert axe_violations(page) == []


def test_signed_in_pages_pass_axe(page):
    UserFactory(email="dafydd@example.org", password="a-long-enough-passphrase")
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("dafydd@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    assert page.get_by_role("button", name="Sign out").is_visible()
    assert axe_violations(page) == []
    page.goto("/accounts/profile/")
    assert axe_violations(page) == []


def test_axe_reports_a_broken_label(page):
    """The control: if axe could not see a missing label, the tests above prove nothing."""
    page.goto("/accounts/login/")
    page.evaluate("document.querySelectorAll('label').forEach(label => label.remove())")

    assert "label" in {v["id"] for v in axe_violations(page)}
