"""Shapes of the academy API: programmes and cohorts out, applications in and out, enrolments.

The serializers check the shape of a request only; whether a cohort takes the
application, and every other rule, belongs to academy.services.
"""

import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from academy.models import Application, Cohort, Enrolment, Module, Programme
from academy.selectors import (
    PUBLIC_COHORT_STATES,
    Progress,
    cohort_is_taking_applications,
    cohort_places_left,
)
from academy.services.applications import ApplicationDetails
from payments.models import Order


class ModuleAttendance(models.TextChoices):
    """How a delegate stands at one module (academy.selectors.ModuleProgress.status)."""

    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    NOT_RECORDED = "not_recorded", "Not recorded"
    UPCOMING = "upcoming", "Upcoming"


class LondonDateTimeField(serializers.DateTimeField):
    """A moment in Europe/London with its offset, "+00:00" included (as the events API)."""

    def to_representation(self, value: datetime.datetime) -> str:
        return timezone.localtime(value, timezone.get_default_timezone()).isoformat()


def _absolute(context: dict, path: str) -> str:
    return context["request"].build_absolute_uri(path)


# --- Errors, as core.api.exception_handler writes them --------------------------


@extend_schema_serializer(component_name="AcademyError")
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can read.")
    code = serializers.CharField(
        help_text="A short machine-readable code, such as `applications_closed`."
    )


@extend_schema_serializer(component_name="AcademyValidationError")
class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The problems with the request, keyed by field.",
    )


# --- Programmes and cohorts (public) -------------------------------------------------


class PriceSerializer(serializers.Serializer):
    net = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="Excluding VAT.")
    vat = serializers.DecimalField(max_digits=10, decimal_places=2)
    gross = serializers.DecimalField(max_digits=11, decimal_places=2, help_text="Including VAT.")


class CohortPricesSerializer(serializers.Serializer):
    member = PriceSerializer(source="member_price", help_text="For staff of member organisations.")
    non_member = PriceSerializer(source="price")
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="VAT rate in per cent."
    )


class PublicModuleSerializer(serializers.ModelSerializer):
    starts_at = LondonDateTimeField(read_only=True)
    ends_at = LondonDateTimeField(read_only=True)
    venue = serializers.CharField(
        source="where", read_only=True, help_text="The module's venue, or the cohort's."
    )

    class Meta:
        model = Module
        fields = ["title", "starts_at", "ends_at", "venue", "facilitator"]
        read_only_fields = fields


class CohortSerializer(serializers.ModelSerializer):
    """A cohort of a programme, its places, prices and modules.

    Needs the cohort annotated by academy.selectors.cohorts_with_places, its
    programme and modules loaded, and `request` and `now` in the context.
    """

    places_left = serializers.SerializerMethodField()
    application_deadline = LondonDateTimeField(source="applications_close_at", read_only=True)
    taking_applications = serializers.SerializerMethodField()
    prices = CohortPricesSerializer(source="*", read_only=True)
    modules = PublicModuleSerializer(many=True, read_only=True)
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = [
            "slug",
            "name",
            "starts_on",
            "ends_on",
            "delivery",
            "venue",
            "status",
            "capacity",
            "places_left",
            "application_deadline",
            "taking_applications",
            "prices",
            "modules",
            "ics_url",
        ]
        read_only_fields = fields

    def get_places_left(self, cohort: Cohort) -> int:
        return cohort_places_left(cohort)

    def get_taking_applications(self, cohort: Cohort) -> bool:
        return cohort_is_taking_applications(cohort, now=self.context["now"])

    @extend_schema_field(OpenApiTypes.URI)
    def get_ics_url(self, cohort: Cohort) -> str:
        path = reverse("academy:cohort_ics", args=[cohort.programme.slug, cohort.slug])
        return _absolute(self.context, path)


class ProgrammeSerializer(serializers.ModelSerializer):
    """A published programme with its public cohorts (drafts left out), soonest first.

    Needs the cohorts prefetched as `public_cohorts` (academy.selectors does it).
    """

    url = serializers.SerializerMethodField()
    cohorts = CohortSerializer(source="public_cohorts", many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "slug",
            "title",
            "summary",
            "level",
            "duration",
            "delivery_partner",
            "completion_rule",
            "minimum_modules",
            "requires_sponsor",
            "url",
            "cohorts",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "minimum_modules": {
                "help_text": "With `at_least`: how many of a cohort's modules a delegate "
                "must attend. Null with `all`."
            },
            "requires_sponsor": {
                "help_text": "Whether the applicant's line manager or sponsor is asked to "
                "support the application before it is reviewed."
            },
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, programme: Programme) -> str:
        return _absolute(self.context, programme.get_absolute_url())


# --- Applications ------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    """An application for a place on one cohort; the name and email come from the account."""

    programme = serializers.SlugField(help_text="The programme's slug.")
    cohort = serializers.SlugField(help_text="The cohort's slug, within the programme.")
    role = serializers.CharField(max_length=200, help_text="The applicant's job title.")
    organisation = serializers.CharField(max_length=200)
    time_in_role = serializers.ChoiceField(choices=Application.TimeInRole.choices)
    sponsor_name = serializers.CharField(
        max_length=200, help_text="The applicant's line manager or sponsor."
    )
    sponsor_email = serializers.EmailField(
        max_length=254,
        help_text="Where programmes that need a sponsor's support send the sponsor a link "
        "to support or decline the application. Must not be the applicant's own.",
    )
    motivation = serializers.CharField(
        max_length=5000, help_text="Why the applicant wants to take part."
    )
    access_needs = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    consent = serializers.BooleanField(
        help_text="Must be true: the academy may hold the application and share it with "
        "the sponsor."
    )

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(
                "Agree to how we use your application to apply.", code="consent"
            )
        return value

    def validate(self, data: dict) -> dict:
        # Drafts of programmes and cohorts are not found, as on the programmes API.
        cohort = (
            Cohort.objects.filter(
                programme__slug=data["programme"],
                programme__is_published=True,
                status__in=PUBLIC_COHORT_STATES,
                slug=data["cohort"],
            )
            .select_related("programme")
            .first()
        )
        if cohort is None:
            if not Programme.objects.filter(slug=data["programme"], is_published=True).exists():
                raise serializers.ValidationError(
                    {"programme": [f"There is no programme “{data['programme']}”."]},
                    code="does_not_exist",
                )
            raise serializers.ValidationError(
                {
                    "cohort": [
                        f"There is no cohort “{data['cohort']}” of the programme "
                        f"“{data['programme']}”."
                    ]
                },
                code="does_not_exist",
            )
        data["cohort_object"] = cohort
        return data

    def to_details(self, *, user) -> ApplicationDetails:
        """Return the validated application as the service takes it."""
        data = self.validated_data
        return ApplicationDetails(
            full_name=user.full_name,
            email=user.email,
            role=data["role"],
            organisation=data["organisation"],
            time_in_role=data["time_in_role"],
            sponsor_name=data["sponsor_name"],
            sponsor_email=data["sponsor_email"],
            motivation=data["motivation"],
            access_needs=data.get("access_needs", ""),
            consent=data["consent"],
        )


class ApplicationSerializer(serializers.ModelSerializer):
    """One of the caller's applications. Needs `cohort__programme` loaded and `request`."""

    programme = serializers.SlugRelatedField(
        source="cohort.programme", slug_field="slug", read_only=True
    )
    programme_title = serializers.CharField(source="cohort.programme.title", read_only=True)
    cohort = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    submitted_at = LondonDateTimeField(read_only=True)
    offer_expires_at = LondonDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="While `accepted`: confirm the place before then, or the offer lapses.",
    )
    decision_reason = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "programme",
            "programme_title",
            "cohort",
            "cohort_name",
            "state",
            "state_label",
            "sponsor_decision",
            "submitted_at",
            "offer_expires_at",
            "decision_reason",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decision_reason(self, application: Application) -> str | None:
        """Why the application was not successful; null unless it was rejected."""
        if application.state == Application.State.REJECTED:
            return application.decision_reason
        return None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, application: Application) -> str:
        return _absolute(self.context, application.get_absolute_url())


# --- Enrolments ------------------------------------------------------------------------


class EnrolmentModuleSerializer(serializers.Serializer):
    """One module of the delegate's cohort and whether they attended it."""

    title = serializers.CharField(source="module.title")
    starts_at = LondonDateTimeField(source="module.starts_at")
    ends_at = LondonDateTimeField(source="module.ends_at")
    venue = serializers.CharField(source="module.where")
    attendance = serializers.ChoiceField(source="status", choices=ModuleAttendance.choices)


class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The verification code printed on the certificate.")
    verify_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_verify_url(self, certificate) -> str:
        return _absolute(self.context, reverse("academy:verify_code", args=[certificate.code]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, certificate) -> str:
        return _absolute(self.context, reverse("academy:certificate_pdf", args=[certificate.code]))


class EnrolmentSerializer(serializers.ModelSerializer):
    """One of the caller's live enrolments, their attendance and certificate.

    Needs, in the context, `request` and `progress` and `certificates` keyed by
    enrolment id (the view works them out).
    """

    programme = serializers.SlugRelatedField(
        source="cohort.programme", slug_field="slug", read_only=True
    )
    programme_title = serializers.CharField(source="cohort.programme.title", read_only=True)
    cohort = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    order_reference = serializers.CharField(source="order.reference", read_only=True)
    order_state = serializers.ChoiceField(
        source="order.state", choices=Order.State.choices, read_only=True
    )
    modules = serializers.SerializerMethodField()
    attended = serializers.SerializerMethodField()
    needed = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    complete = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "programme",
            "programme_title",
            "cohort",
            "cohort_name",
            "state",
            "order_reference",
            "order_state",
            "modules",
            "attended",
            "needed",
            "total",
            "complete",
            "certificate",
            "url",
        ]
        read_only_fields = fields

    def _progress(self, enrolment: Enrolment) -> Progress:
        return self.context["progress"][enrolment.pk]

    @extend_schema_field(EnrolmentModuleSerializer(many=True))
    def get_modules(self, enrolment: Enrolment) -> list[dict]:
        return EnrolmentModuleSerializer(self._progress(enrolment).modules, many=True).data

    def get_attended(self, enrolment: Enrolment) -> int:
        """How many modules the delegate was marked present at."""
        return self._progress(enrolment).attended

    def get_needed(self, enrolment: Enrolment) -> int:
        """How many modules the programme's completion rule asks for."""
        return self._progress(enrolment).needed

    def get_total(self, enrolment: Enrolment) -> int:
        return self._progress(enrolment).total

    def get_complete(self, enrolment: Enrolment) -> bool:
        """Whether attendance meets the programme's completion rule."""
        return self._progress(enrolment).complete

    @extend_schema_field(CertificateSerializer(allow_null=True))
    def get_certificate(self, enrolment: Enrolment) -> dict | None:
        certificate = self.context["certificates"].get(enrolment.pk)
        if certificate is None:
            return None
        return CertificateSerializer(certificate, context=self.context).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, enrolment: Enrolment) -> str:
        return _absolute(self.context, enrolment.get_absolute_url())
