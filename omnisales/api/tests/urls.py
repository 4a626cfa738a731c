"""The real URLconf plus one view that fails, to prove 500s keep the envelope and leak nothing."""

from django.urls import path

from omnisales.api.views import BaseAPIView
from omnisales.urls import urlpatterns as real_urlpatterns


class BoomView(BaseAPIView):
    any_scope = True

    def get(self, request):
        raise RuntimeError("secret internal detail")


urlpatterns = [path("api/test/boom", BoomView.as_view(), name="test-boom"), *real_urlpatterns]
