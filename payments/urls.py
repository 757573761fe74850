"""Paying by card, mounted at /payments/ (names are "payments:<name>")."""

from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("orders/<str:reference>/pay/", views.pay, name="pay"),
    path("orders/<str:reference>/pay/test-card/", views.pay_test_card, name="pay_test_card"),
    path("orders/<str:reference>/return/", views.pay_return, name="pay_return"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("invoices/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<str:number>.pdf", views.credit_note_pdf, name="credit_note_pdf"),
]
