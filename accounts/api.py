from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.selectors import user_membership
from accounts.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer


class TokenView(APIView):
    """Exchange an email address and password for an API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    def get_authenticate_header(self, request):
        # Wrong credentials are 401, not 403, although this view reads no token.
        return 'Token realm="api"'

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed(
                "The email address or password is not right.", code="invalid_credentials"
            )
        if not EmailAddress.objects.filter(user=user, verified=True).exists():
            raise PermissionDenied(
                "Confirm your email address before using the API.", code="email_unverified"
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def delete(self, request):
        """Revoke the token sent with this request."""
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme != "Token" or not key:
            raise AuthenticationFailed("Send the token to revoke.", code="not_authenticated")
        deleted, _ = Token.objects.filter(key=key.strip()).delete()
        if not deleted:
            raise AuthenticationFailed("Invalid token.", code="authentication_failed")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in person's profile and whether member prices apply."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer, tags=["auth"])
    def get(self, request):
        user = request.user
        payload = {
            "email": user.email,
            "full_name": user.full_name,
            "job_title": user.job_title,
            "phone": user.phone,
            "organisation": user.organisation,
            "is_member": user_membership(user=user).is_member,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        }
        return Response(MeSerializer(payload).data)
