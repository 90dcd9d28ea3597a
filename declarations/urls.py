from django.urls import path

from declarations import public, views

app_name = "declarations"

urlpatterns = [
    path("erklaerung/", views.current, name="current"),
    path("erklaerung/unterzeichnen/", views.sign, name="sign"),
    path("erklaerung/unterschrift/<int:pk>/", views.signature_detail, name="signature"),
    path("erklaerung/unterschrift/<int:pk>/pdf/", views.signature_pdf, name="signature_pdf"),
    path("erklaerung/fassung/<str:label>/", views.version_detail, name="version"),
    path("erklaerung/fassung/<str:label>/formular.pdf", views.blank_form, name="blank_form"),
    path("erklaerung/unterzeichner/", public.signatories, name="signatories"),
    path("erklaerung/pruefen/", public.verify, name="verify"),
    path("erklaerung/pruefen/<str:code>/", public.verify_code, name="verify_code"),
]
