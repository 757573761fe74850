"""The finance desk under /finance/ (namespace "finance", given where it is included)."""

from django.urls import path

from payments import finance_views as views

urlpatterns = [
    path("", views.invoices, name="invoices"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.zip", views.export_zip, name="export_zip"),
    path("invoices/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<str:number>/", views.invoice, name="invoice"),
    path("invoices/<str:number>/mark-paid/", views.mark_paid, name="mark_paid"),
    path("invoices/<str:number>/resend/", views.resend, name="resend"),
    path("credit-notes/<str:number>.pdf", views.credit_note_pdf, name="credit_note_pdf"),
    path("orders/<str:reference>/", views.order, name="order"),
    path("orders/<str:reference>/refund/", views.refund, name="refund"),
    path("orders/<str:reference>/clear-flag/", views.clear_flag, name="clear_flag"),
    path("payments/", views.payments, name="payments"),
    path("flagged/", views.flagged, name="flagged"),
]
