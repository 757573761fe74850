from django.urls import path

from payments import api

urlpatterns = [
    path("invoices/", api.DocumentListView.as_view(), name="api-invoice-list"),
    path("invoices/<str:number>/", api.DocumentDetailView.as_view(), name="api-invoice-detail"),
    path("invoices/<str:number>/pdf/", api.DocumentPDFView.as_view(), name="api-invoice-pdf"),
]
