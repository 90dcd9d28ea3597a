from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    return {"PORTAL_BASE_URL": settings.PORTAL_BASE_URL}
