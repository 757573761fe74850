from django.urls import path

from academy.views import manage, my, public

app_name = "academy"

urlpatterns = [
    path("", public.home, name="home"),
    path("verify/", public.verify, name="verify"),
    path("verify/<str:code>/", public.verify_code, name="verify_code"),
    path("sponsor/<str:token>/", public.sponsor, name="sponsor"),
    path("certificates/<str:code>.pdf", public.certificate_pdf, name="certificate_pdf"),
    # The applicant's and delegate's own pages.
    path("my/", my.index, name="my"),
    path("my/applications/<int:pk>/", my.application, name="application"),
    path(
        "my/applications/<int:pk>/withdraw/", my.application_withdraw, name="application_withdraw"
    ),
    path(
        "my/applications/<int:pk>/resend-sponsor/",
        my.application_resend_sponsor,
        name="application_resend_sponsor",
    ),
    path("my/applications/<int:pk>/confirm/", my.enrol, name="enrol"),
    path("my/enrolments/<int:pk>/", my.enrolment, name="enrolment"),
    path("my/enrolments/<int:pk>/qr.png", my.enrolment_qr, name="enrolment_qr"),
    # Programme managers.
    path("manage/", manage.index, name="manage"),
    path("manage/applications/", manage.applications, name="manage_applications"),
    path("manage/applications/<int:pk>/", manage.application, name="manage_application"),
    path("manage/cohorts/<int:pk>/", manage.cohort, name="manage_cohort"),
    path("manage/modules/<int:pk>/register/", manage.register, name="manage_register"),
    path("manage/modules/<int:pk>/scan/", manage.scan, name="manage_scan"),
    path("manage/enrolments/<int:pk>/", manage.enrolment, name="manage_enrolment"),
    # A programme and its cohorts; kept last so that the words above are not slugs.
    path("<slug:programme>/", public.programme, name="programme"),
    path("<slug:programme>/<slug:cohort>.ics", public.cohort_ics, name="cohort_ics"),
    path("<slug:programme>/<slug:cohort>/apply/", my.apply, name="apply"),
]
