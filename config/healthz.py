"""/healthz answers "ok" before anything else looks at the request.

The containers' health checks ask http://127.0.0.1:8000/healthz: plain HTTP, and a Host that is
not in ALLOWED_HOSTS in production. Answered first, neither the HTTPS redirect nor the host check
turns it into a 301 or a 400, and the answer says nothing but that the process serves requests.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PATH = "/healthz"


class HealthzMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in {"GET", "HEAD"}:
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)
