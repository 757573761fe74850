"""The academy API: programmes and cohorts (public), your applications and enrolments.

Every application goes through `academy.services.applications.application_submit`,
as the apply page's does. Domain errors (closed, already applied...) become
`{"detail", "code"}` with their status in `core.api.exception_handler`.
Only the applicant sees their applications and enrolments.
"""

import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from academy.models import Certificate, Programme
from academy.selectors import (
    application_list_for_user,
    enrolment_list_for_user,
    enrolment_progress,
    programme_get_public,
    programme_list_public,
)
from academy.serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    EnrolmentSerializer,
    ErrorSerializer,
    ProgrammeSerializer,
    ValidationErrorSerializer,
)
from academy.services.applications import application_submit


def _error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


UNAUTHENTICATED = _error("No valid token or session: send `Authorization: Token <token>`.")


# --- Reads (the API's own: the pages have theirs) -------------------------------------


def programmes_for_api() -> QuerySet[Programme]:
    """Published programmes with their public cohorts and the cohorts' modules.

    A fixed number of queries, however many programmes and cohorts there are.
    """
    return programme_list_public().prefetch_related("public_cohorts__modules")


def programme_get_for_api(*, slug: str) -> Programme:
    """Return a published programme; raise Http404 for drafts and unknown slugs."""
    try:
        return programme_get_public(slug=slug)
    except Programme.DoesNotExist:
        raise Http404("No such programme.") from None


# --- Programmes -------------------------------------------------------------------------


class _ProgrammeAPIView(generics.GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = ProgrammeSerializer

    @cached_property
    def now(self) -> datetime.datetime:
        # One moment per request, so that every cohort's deadline is judged alike.
        return timezone.now()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": self.now}


@extend_schema_view(
    get=extend_schema(
        summary="List programmes",
        description=(
            "Published programmes in the academy's order, each with its cohorts (open, "
            "closed and cancelled; never drafts), soonest first: dates, places left, "
            "member and non-member prices with and without VAT, and modules. Times are "
            "in Europe/London with their offset. No sign-in needed."
        ),
        tags=["academy"],
    )
)
class ProgrammeListView(_ProgrammeAPIView, generics.ListAPIView):
    """List published programmes with their cohorts."""

    def get_queryset(self):
        return programmes_for_api()


@extend_schema_view(
    get=extend_schema(
        summary="Show one programme",
        parameters=[
            OpenApiParameter(
                "slug",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The programme's slug.",
            )
        ],
        responses={
            200: ProgrammeSerializer,
            404: _error("There is no published programme with that slug."),
        },
        tags=["academy"],
    )
)
class ProgrammeDetailView(_ProgrammeAPIView, generics.RetrieveAPIView):
    """Show one published programme with its cohorts; drafts are not found."""

    def get_object(self) -> Programme:
        return programme_get_for_api(slug=self.kwargs["slug"])


# --- Applications -----------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="List your applications",
        description=(
            "The applications you made, newest first. `decision_reason` is given only "
            "for rejected applications."
        ),
        responses={200: ApplicationSerializer(many=True), 401: UNAUTHENTICATED},
        tags=["academy"],
    )
)
class ApplicationListCreateView(generics.ListAPIView):
    """List your applications, newest first; or apply for a place on a cohort."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ApplicationSerializer

    def get_queryset(self):
        return application_list_for_user(user=self.request.user).order_by("-submitted_at", "-pk")

    @extend_schema(
        summary="Apply for a place on a cohort",
        description=(
            "Apply with the same rules as the apply page. Name the cohort by the "
            "programme's slug and the cohort's slug, as the programmes API gives them. "
            "Your name and email address come from your account (API tokens are only "
            "given to accounts with a confirmed email address). Where the programme "
            "`requires_sponsor`, your sponsor is emailed a link to support or decline "
            "the application, which waits for them (`awaiting_sponsor`); otherwise it "
            "goes straight to review (`under_review`). Nothing is saved when the answer "
            "is an error."
        ),
        request=ApplicationCreateSerializer,
        responses={
            201: ApplicationSerializer,
            400: _error(
                "The request has errors (see `errors`; an unknown or draft programme is an "
                "error on `programme`, an unknown or draft cohort one on `cohort`), or it "
                "breaks a rule: `self_sponsor` (the sponsor is you), `name_missing` (add "
                "your name to your account first).",
                ValidationErrorSerializer,
            ),
            401: UNAUTHENTICATED,
            409: _error(
                "`applications_closed`: the cohort is past its deadline, closed or "
                "cancelled; `already_applied`: you have a live application for it."
            ),
        },
        tags=["academy"],
    )
    def post(self, request):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        if not user.full_name.strip():
            raise serializers.ValidationError(
                {"non_field_errors": ["Add your name to your account before you apply."]},
                code="name_missing",
            )
        application = application_submit(
            cohort=serializer.validated_data["cohort_object"],
            applicant=user,
            details=serializer.to_details(user=user),
        )
        application = application_list_for_user(user=user).get(pk=application.pk)
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)


# --- Enrolments -------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="List your enrolments",
        description=(
            "Your places on cohorts that are waiting for payment or confirmed (not "
            "cancelled): the order that pays for each, every module with your attendance, "
            "how many modules you attended of those the programme needs, and your "
            "certificate once you have completed."
        ),
        responses={200: EnrolmentSerializer(many=True), 401: UNAUTHENTICATED},
        tags=["academy"],
    )
)
class EnrolmentListView(generics.ListAPIView):
    """List your live enrolments with attendance and certificate."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EnrolmentSerializer

    def get_queryset(self):
        return enrolment_list_for_user(user=self.request.user).order_by("-created_at", "-pk")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        now = timezone.now()
        certificates = {
            certificate.enrolment_id: certificate
            for certificate in Certificate.objects.filter(
                enrolment__in=page, revoked_at__isnull=True
            )
        }
        context = {
            **self.get_serializer_context(),
            "progress": {
                enrolment.pk: enrolment_progress(enrolment, now=now) for enrolment in page
            },
            "certificates": certificates,
        }
        serializer = self.get_serializer_class()(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)
