from django.shortcuts import render
from django.views import defaults

from core.api import json_error
from core.navigation import home_sections_for


def home(request):
    return render(request, "core/home.html", {"sections": home_sections_for(request)})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        return json_error(status_code=404, detail="Not found.", code="not_found")
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return json_error(
            status_code=403,
            detail="You do not have permission to perform this action.",
            code="permission_denied",
        )
    return defaults.permission_denied(request, exception)


def server_error(request):
    if _is_api(request):
        return json_error(status_code=500, detail="A server error occurred.", code="server_error")
    return defaults.server_error(request)
