"""URLconf of the bare Django view that bench/http_ratios.py measures every endpoint against."""

from django.db import transaction
from django.http import JsonResponse
from django.urls import path


@transaction.non_atomic_requests  # ATOMIC_REQUESTS would open a database connection for an empty BEGIN/COMMIT
def bare(request):
    """The floor: no authentication, no database, a small JSON body."""
    return JsonResponse({"ok": True, "service": "omnisales"})


# Under /api/ so the path-dependent middleware (body-size limit, API response headers) runs as for an endpoint.
urlpatterns = [path("api/bare", bare, name="bench-bare")]
