"""The academy desk in a real browser at phone size: every page passes axe, and the
scan desk marks a delegate present from a handheld scanner's code or the camera."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from academy.models import Application, Attendance, Enrolment
from accounts import roles
from core.qr import qr_png
from payments.models import Order
from tests.academy.factories import ApplicationFactory, CohortFactory, EnrolmentFactory
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import CHROMIUM, axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
FAKE_CAMERA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


@pytest.fixture
def cohort():
    cohort = CohortFactory(name="2027 Spring, Manchester", modules=2)
    EnrolmentFactory(
        application__cohort=cohort,
        application__full_name="Rhian Pritchard",
        application__organisation="Conwy County Borough Council",
    )
    EnrolmentFactory(
        application__cohort=cohort,
        application__full_name="Owain Lloyd",
        state=Enrolment.State.PENDING,
        order__payment_method=Order.PaymentMethod.CARD,
    )
    ApplicationFactory(cohort=cohort, full_name="Siân Evans", organisation="Cyngor Gwynedd")
    ApplicationFactory(
        cohort=cohort,
        full_name="Dafydd Jones",
        state=Application.State.AWAITING_SPONSOR,
        sponsor_decision=Application.SponsorDecision.PENDING,
    )
    return cohort


@pytest.fixture
def pm():
    user = UserFactory(email="academy@digital-leaders.example", full_name="Nia Roberts")
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_MANAGERS))
    return user


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.fixture
def pm_page(browser, live_server, pm):
    """A phone-sized browser signed in as a programme manager."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    sign_in(context, live_server, pm)
    page = context.new_page()
    yield page
    context.close()


def module(cohort, n=0):
    return cohort.modules.order_by("starts_at")[n]


def pages(cohort) -> dict[str, str]:
    review = Application.objects.get(full_name="Siân Evans")
    return {
        "desk": reverse("academy:manage"),
        "applications": reverse("academy:manage_applications"),
        "review": reverse("academy:manage_application", args=[review.pk]),
        "cohort": reverse("academy:manage_cohort", args=[cohort.pk]),
        "register": reverse("academy:manage_register", args=[module(cohort).pk]),
        "scan": reverse("academy:manage_scan", args=[module(cohort).pk]),
        "enrolment": reverse(
            "academy:manage_enrolment",
            args=[Enrolment.objects.get(application__full_name="Rhian Pritchard").pk],
        ),
        "cancel": reverse(
            "academy:manage_enrolment",
            args=[Enrolment.objects.get(application__full_name="Rhian Pritchard").pk],
        )
        + "?confirm=cancel",
    }


@pytest.mark.parametrize(
    "name",
    ["desk", "applications", "review", "cohort", "register", "scan", "enrolment", "cancel"],
)
def test_desk_pages_pass_axe_at_phone_size(pm_page, cohort, name):
    pm_page.goto(pages(cohort)[name])
    expect(pm_page.locator("h1")).to_be_visible()

    assert axe_violations(pm_page) == []
    # Wide tables scroll inside their box; the page itself never scrolls sideways.
    assert pm_page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]


def test_the_error_states_pass_axe(pm_page, cohort):
    urls = pages(cohort)
    pm_page.goto(urls["applications"])
    pm_page.get_by_label("Accept: offer a place").check()
    pm_page.get_by_role("button", name="Apply to selected applications").click()
    expect(pm_page.locator(".govuk-error-summary")).to_contain_text(
        "Select at least one application"
    )
    assert axe_violations(pm_page) == []

    pm_page.goto(urls["review"])
    pm_page.get_by_label("Reject", exact=True).check()
    pm_page.get_by_role("button", name="Save decision").click()
    expect(pm_page.locator(".govuk-error-summary")).to_contain_text(
        "Give a reason for rejecting the application"
    )
    assert axe_violations(pm_page) == []


def test_bulk_accept_from_the_list(pm_page, cohort):
    pm_page.goto(pages(cohort)["applications"])
    pm_page.get_by_label("Select Siân Evans").check()
    pm_page.get_by_label("Select Dafydd Jones").check()
    pm_page.get_by_label("Accept: offer a place").check()
    pm_page.get_by_role("button", name="Apply to selected applications").click()

    expect(pm_page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Accepted 1 application"
    )
    expect(pm_page.get_by_role("region", name="Important")).to_contain_text(
        "Dafydd Jones (2027 Spring, Manchester): "
        "The sponsor has not supported this application yet."
    )
    assert axe_violations(pm_page) == []
    assert Application.objects.get(full_name="Siân Evans").state == Application.State.ACCEPTED


def test_the_scan_desk_marks_present_from_a_handheld_scanner(pm_page, cohort):
    rhian = Enrolment.objects.get(application__full_name="Rhian Pritchard")
    pm_page.goto(pages(cohort)["scan"])
    code = pm_page.get_by_label("QR code", exact=True)
    expect(code).to_be_focused()
    expect(pm_page.locator("#scan-count")).to_have_text("0 of 1 present")

    # A keyboard-wedge scanner types the code and presses Enter.
    code.press_sequentially(rhian.qr_secret)
    code.press("Enter")

    result = pm_page.locator("#scan-result")
    expect(result).to_have_class("scan-result scan-result--ok")
    expect(result).to_contain_text("Marked present")
    expect(result).to_contain_text("Rhian Pritchard")
    expect(pm_page.locator("#result-icon")).to_have_text("✓")
    expect(pm_page.locator("#scan-count")).to_have_text("1 of 1 present")
    expect(code).to_have_value("")
    expect(code).to_be_focused()
    assert axe_violations(pm_page) == []
    assert Attendance.objects.get().enrolment == rhian

    code.press_sequentially(rhian.qr_secret)
    code.press("Enter")

    expect(result).to_have_class("scan-result scan-result--warn")
    expect(result).to_contain_text("Already marked present at")
    expect(pm_page.locator("#result-icon")).to_have_text("!")
    expect(pm_page.locator("#scan-count")).to_have_text("1 of 1 present")
    assert axe_violations(pm_page) == []

    code.press_sequentially("not-a-code")
    code.press("Enter")

    expect(result).to_have_class("scan-result scan-result--stop")
    expect(result).to_contain_text("Code not recognised")
    assert axe_violations(pm_page) == []
    assert Attendance.objects.count() == 1


def test_the_scan_desk_works_without_javascript(browser, live_server, pm, cohort):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    sign_in(context, live_server, pm)
    page = context.new_page()
    rhian = Enrolment.objects.get(application__full_name="Rhian Pritchard")
    page.goto(pages(cohort)["scan"])

    page.get_by_label("QR code", exact=True).fill(rhian.qr_secret)
    page.get_by_label("QR code", exact=True).press("Enter")

    expect(page.locator("#scan-result")).to_contain_text("Marked present")
    expect(page.locator("#scan-result")).to_contain_text("Rhian Pritchard")
    expect(page.locator("#scan-count")).to_have_text("1 of 1 present")
    expect(page.get_by_label("QR code", exact=True)).to_have_value("")
    context.close()


def write_qr_video(path, secret: str) -> None:
    """Write a Y4M video of the enrolment's QR code for Chromium's fake camera.

    Grey only: the luma plane is the picture, both chroma planes are neutral (128).
    """
    width, height = 640, 480
    code = Image.open(io.BytesIO(qr_png(secret, scale=10))).convert("L")
    side = height - 40
    frame = Image.new("L", (width, height), 255)
    frame.paste(code.resize((side, side), Image.NEAREST), ((width - side) // 2, 20))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            video.write(b"FRAME\n" + luma + chroma + chroma)


def test_the_camera_reads_a_qr_code_and_marks_the_delegate_present(
    browser, live_server, pm, cohort, tmp_path
):
    rhian = Enrolment.objects.get(application__full_name="Rhian Pritchard")
    video = tmp_path / "enrolment.y4m"
    write_qr_video(video, rhian.qr_secret)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
    )
    try:
        context = camera_browser.new_context(base_url=live_server.url, viewport=PHONE)
        context.grant_permissions(["camera"], origin=live_server.url)
        sign_in(context, live_server, pm)
        page = context.new_page()
        ours = urlsplit(live_server.url).netloc
        outside = []
        page.on(
            "request",
            lambda request: (
                outside.append(request.url)
                if urlsplit(request.url).scheme in ("http", "https")
                and urlsplit(request.url).netloc != ours
                else None
            ),
        )
        page.goto(pages(cohort)["scan"])
        with page.expect_response(re.compile(r"/static/.*zxing_reader.*\.wasm$")) as wasm:
            page.get_by_role("button", name="Start camera").click()
        assert wasm.value.ok

        result = page.locator("#scan-result")
        expect(result).to_contain_text("Marked present", timeout=15000)
        expect(result).to_contain_text("Rhian Pritchard")
        # The same code held in front of the camera is not sent again and again.
        page.wait_for_timeout(1500)
        expect(result).to_contain_text("Marked present")
        assert outside == []
        assert Attendance.objects.get().enrolment == rhian
        context.close()
    finally:
        camera_browser.close()
