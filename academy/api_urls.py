from django.urls import path

from academy import api

urlpatterns = [
    path("programmes/", api.ProgrammeListView.as_view(), name="api-programme-list"),
    path(
        "programmes/<slug:slug>/", api.ProgrammeDetailView.as_view(), name="api-programme-detail"
    ),
    path(
        "applications/",
        api.ApplicationListCreateView.as_view(),
        name="api-application-list",
    ),
    path("enrolments/", api.EnrolmentListView.as_view(), name="api-enrolment-list"),
]
