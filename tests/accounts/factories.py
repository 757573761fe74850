import factory
from allauth.account.models import EmailAddress

from accounts.models import Organisation, OrganisationDomain, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Borough Council {n}")
    kind = Organisation.Kind.COUNCIL
    membership = Organisation.Membership.MEMBER

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        for domain in extracted or []:
            OrganisationDomain.objects.create(organisation=self, domain=domain)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.net")
    full_name = factory.Faker("name", locale="en_GB")
    job_title = "Head of Digital"
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the account its email address, verified unless verified=False."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )
