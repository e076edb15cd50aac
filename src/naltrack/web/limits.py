"""An oversize request body is answered 413 before anything reads it (Django's own check raises
RequestDataTooBig on first read, which would surface as a 400 from the CSRF check or the API's
body parser). The API answers in its error shape; a page gets a plain sentence."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

TOO_LARGE = "the request body is too large"


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            if request.path.startswith("/api/"):
                return JsonResponse({"message": TOO_LARGE, "field": None}, status=413)
            return HttpResponse(f"{TOO_LARGE.capitalize()}.", status=413, content_type="text/plain")
        return self.get_response(request)
