"""Endpoints for email recipients and the SMS provider, outside the merchant API (no credentials).

- `/messaging/unsubscribe/<token>`: the signed link of every campaign message. GET shows a page with a
  confirm button (mail scanners follow links, so a GET never unsubscribes); POST unsubscribes — the RFC 8058
  one-click POST (`List-Unsubscribe=One-Click`) from the mail client, or the page's button.
- `/messaging/sms/status`: Twilio's status callbacks, verified by X-Twilio-Signature.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from omnisales.api.errors import ApplicationError

from . import services
from .models import ConsentSource
from .providers import sms as sms_provider

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto">{body}</body></html>"""
CHANNEL_LABEL = {"email": "marketing emails", "sms": "marketing text messages"}


def _page(title: str, body, status: int = 200) -> HttpResponse:
    response = HttpResponse(format_html(PAGE, title=title, body=body), status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        target = services.unsubscribe_target(token)
    except ApplicationError:
        return _page("Link not valid", format_html("<p>{}</p>", "This unsubscribe link is not valid."), status=400)
    label = CHANNEL_LABEL[target["ch"]]
    if request.method == "GET":
        return _page(
            "Unsubscribe",
            format_html(
                '<p>Stop receiving {}?</p><form method="post"><button type="submit">Unsubscribe</button></form>', label
            ),
        )
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    services.unsubscribe(token=token, source=ConsentSource.ONE_CLICK if one_click else ConsentSource.UNSUBSCRIBE_PAGE)
    if one_click:
        return JsonResponse({"unsubscribed": True, "channel": target["ch"]})
    return _page("Unsubscribed", format_html("<p>You will no longer receive {}.</p>", label))


@csrf_exempt
@require_http_methods(["POST"])
def sms_status(request):
    """Twilio's StatusCallback: form fields MessageSid, MessageStatus, ErrorCode, signed over this URL."""
    url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    params = {key: request.POST.get(key) for key in request.POST}
    if not sms_provider.signature_valid(
        url=url, params=params, signature=request.headers.get("X-Twilio-Signature", "")
    ):
        return HttpResponseForbidden("Invalid signature")
    sid, status = (
        params.get("MessageSid") or params.get("SmsSid"),
        params.get("MessageStatus") or params.get("SmsStatus"),
    )
    if not sid or not status:
        return HttpResponseBadRequest("MessageSid and MessageStatus are required")
    services.sms_status_record(provider_message_id=sid, status=status, error_code=params.get("ErrorCode") or "")
    return HttpResponse(status=204)
