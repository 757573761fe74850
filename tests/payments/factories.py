import factory

from payments.models import Order


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    booker_name = "Rhian Pritchard"
    booker_email = "rhian@conwy.gov.uk"
    payment_method = Order.PaymentMethod.INVOICE
    state = Order.State.PENDING
