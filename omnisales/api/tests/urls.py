"""The real URLconf plus views that fail, to prove errors keep the envelope and leak nothing: an API view,
and plain Django views (outside the API's exception handler) for the 500 and 405 of every /api path."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from omnisales.api.views import BaseAPIView
from omnisales.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the real handlers
from omnisales.urls import urlpatterns as real_urlpatterns


class BoomView(BaseAPIView):
    any_scope = True

    def get(self, request):
        raise RuntimeError("secret internal detail")


def plain_boom(request):
    raise RuntimeError("secret internal detail")


@require_GET
def plain_get_only(request):
    return HttpResponse("ok")


urlpatterns = [
    path("api/test/boom", BoomView.as_view(), name="test-boom"),
    path("api/test/plain-boom", plain_boom),
    path("api/test/plain-get-only", plain_get_only),
    *real_urlpatterns,
]
