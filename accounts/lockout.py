"""Failed-login lockouts (django-axes): who counts as the same login, how a lockout is answered,
and which failures a successful login forgives."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render


def login_username(request, credentials: dict | None) -> str | None:
    """The email a login attempt is counted under, normalised the way accounts store emails."""
    raw = (credentials or {}).get("username")
    if raw is None:
        data = getattr(request, "data", None) or request.POST
        raw = data.get("username") or data.get("email")
    return raw.strip().lower() if isinstance(raw, str) else None


def lockout_seconds() -> int:
    """How long a lockout lasts at most; the Retry-After of a refused login."""
    return int(get_cool_off().total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    """A locked-out attempt on an HTML login page (/accounts/login, /admin/login/) gets the lockout page.

    API logins answer their own 429 envelope (accounts.exceptions.TooManyLoginAttempts): their
    response is kept as it is.
    """
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    retry_after = lockout_seconds()
    response = render(
        request,
        "registration/locked_out.html",
        {"lockout_minutes": max(retry_after // 60, 1)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(retry_after)
    return response


def failures_forgive(*, username: str, ip_address: str) -> int:
    """After a successful login: drops the failures of this email from this address, no others."""
    deleted, _ = AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
    return deleted


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, except that a successful login forgives only the failures of that
    email from that address.

    Axes' own reset deletes every failure matching any lockout parameter, the address included:
    anyone holding one working account could then wipe the failures counted against their address
    (and against the emails they were guessing from it) by logging in to it between guesses.
    """

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        return failures_forgive(username=get_client_username(request, credentials), ip_address=request.axes_ip_address)
