import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import TimeStampedModel


class Organisation(TimeStampedModel):
    """A council, NHS body, department or supplier whose people we serve."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        NHS = "nhs", "NHS body"
        CENTRAL_GOVERNMENT = "central_government", "Central government"
        OTHER_PUBLIC_BODY = "other_public_body", "Other public body"
        SUPPLIER = "supplier", "Supplier"
        OTHER = "other", "Other"

    class Membership(models.TextChoices):
        MEMBER = "member", "Member"
        CORPORATE_MEMBER = "corporate_member", "Corporate member"
        NON_MEMBER = "non_member", "Non-member"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField("type", max_length=32, choices=Kind.choices, default=Kind.OTHER)
    membership = models.CharField(
        max_length=32, choices=Membership.choices, default=Membership.NON_MEMBER
    )
    membership_expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Last day of membership. Leave empty for membership without an end date.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(membership_expires_on__isnull=True)
                | ~models.Q(membership="non_member"),
                name="organisation_non_member_has_no_expiry",
                violation_error_message="A non-member has no membership expiry date.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_paying_member(self) -> bool:
        return self.membership in {self.Membership.MEMBER, self.Membership.CORPORATE_MEMBER}

    def membership_current_on(self, day) -> bool:
        """Return whether membership is in force on the given day."""
        if not self.is_paying_member:
            return False
        return self.membership_expires_on is None or self.membership_expires_on >= day


class OrganisationDomain(models.Model):
    """An email domain that belongs to an organisation, such as conwy.gov.uk.

    Addresses at subdomains (mail.conwy.gov.uk) belong to it too.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    class MemberOverride(models.TextChoices):
        NONE = "", "No override: decide by verified email domain"
        MEMBER = "member", "Always a member"
        NON_MEMBER = "non_member", "Never a member"

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    phone = models.CharField(max_length=40, blank=True)
    member_override = models.CharField(
        "member pricing override",
        max_length=16,
        choices=MemberOverride.choices,
        default=MemberOverride.NONE,
        blank=True,
        help_text="Staff may grant or withhold member prices whatever the email domain.",
    )
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Can sign in to the staff pages and the admin site.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeedToken(models.Model):
    """The secret in a person's private calendar feed address; revoke by replacing it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"
