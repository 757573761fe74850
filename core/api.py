"""What every API shares: one error shape.

Every error answers JSON with a human-readable `detail` and a
machine-readable `code`; validation errors add `errors`, keyed by field.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError


def _first_code(codes) -> str:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    if isinstance(codes, dict) and codes:
        return _first_code(next(iter(codes.values())))
    return "invalid"


def exception_handler(exc, context):
    """Turn every error into `{"detail", "code", ["errors"]}`."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        response.data = {
            "detail": "The request has errors; see `errors`.",
            "code": _first_code(exc.get_codes()) if len(errors) == 1 else "invalid",
            "errors": errors,
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {
            "detail": str(exc.detail),
            "code": _first_code(exc.get_codes()),
            **({"retry_after": int(exc.wait)} if getattr(exc, "wait", None) else {}),
        }
    return response


def json_error(*, status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)
