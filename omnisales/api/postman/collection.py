"""A Postman v2.1 collection generated from the same OpenAPI document as /swagger.json.

Every request is an operation of the document: its body is the operation's first request example, its path
variables and the ids in its body are collection variables that earlier requests capture from their answers,
and its test script checks the documented success status. The run order is the order below: "Getting
started" walks a product from creation to a delivered order, then one folder per area. A request that
deletes something deletes what the collection created for it just before, never the account's own data.

Requests that need Stripe assert their success when the collection variable `paymentsConfigured` is "true"
(the server has Stripe keys) and the documented 503 PAYMENTS_NOT_CONFIGURED otherwise.
"""

import json
import re

from .walkthrough import FOLDERS, GETTING_STARTED, Step

POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
METHODS = ("get", "post", "put", "patch", "delete")
VARIABLE = re.compile(r"{{([^{}$]+)}}")

# Ids in request bodies -> the collection variable that holds the real one.
BODY_VARIABLES = {
    "productId": "productId",
    "customerId": "customerId",
    "categoryId": "categoryId",
    "warehouseId": "warehouseId",
    "fromWarehouseId": "warehouseId",
    "toWarehouseId": "toWarehouseId",
    "orderId": "orderId",
    "refresh": "refreshToken",
}
# Body fields unique in an account (or globally): each run sends a fresh value.
UNIQUE_FIELDS = ("sku", "email", "code", "slug")
UNIQUE_SCRIPT = 'pm.variables.set("unique", Date.now().toString(36) + Math.random().toString(36).slice(2, 6));'
API_KEY_AUTH = {
    "type": "apikey",
    "apikey": [
        {"key": "key", "value": "X-API-Key", "type": "string"},
        {"key": "value", "value": "{{apiKey}}", "type": "string"},
        {"key": "in", "value": "header", "type": "string"},
    ],
}
# Collection variables a user sets (or the requests fill in): name -> (default, description).
SETTINGS = {
    "baseUrl": (None, "The server, e.g. http://localhost:3000."),
    "apiKey": ("", "An API key of your account (X-API-Key); `make run` prints one."),
    "email": ("", "Your login, for Log in (the JWT alternative)."),
    "password": ("", "Your password, for Log in."),
    "accessToken": ("", "Set by Log in and Rotate a refresh token (Bearer, 15 minutes)."),
    "refreshToken": ("", "Set by Log in and Rotate a refresh token."),
    "paymentsConfigured": (None, '"true" when the server has Stripe keys: the payment requests then expect success.'),
    "stripeWebhookSecret": ("", "The Stripe webhook signing secret of a test server, to sign the webhook request."),
    "webhookUrl": ("{{baseUrl}}/healthz", "Where the webhook the collection creates sends events."),
    "marketplacePlatform": ("shopee", "The platform of the marketplace authorization callback request."),
}


def _unique(key: str, value: str) -> str:
    if key == "email":
        local, _, domain = value.partition("@")
        return f"{local}+{{{{unique}}}}@{domain}"
    return f"{value}-{{{{unique}}}}"


def _with_variables(value, key: str | None = None):
    """The example with its ids replaced by collection variables and its unique fields made fresh."""
    if isinstance(value, dict):
        return {name: _with_variables(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_with_variables(item, key) for item in value]
    if isinstance(value, str) and "{{" not in value:
        if key in BODY_VARIABLES:
            return f"{{{{{BODY_VARIABLES[key]}}}}}"
        if key in UNIQUE_FIELDS:
            return _unique(key, value)
    return value


def _first_example(content: dict):
    examples = content.get("examples") or {}
    return next(iter(examples.values()))["value"] if examples else None


def _success_status(operation: dict) -> int:
    return int(next(code for code in operation["responses"] if code.startswith("2")))


def _item_path(path: str, paths: dict) -> str | None:
    """The item path of a collection path (`/api/products` -> `/api/products/{productId}`), if there is one."""
    return next((other for other in paths if re.fullmatch(re.escape(path) + r"/{\w+}", other)), None)


def _default_captures(step: Step, paths: dict) -> dict:
    item = _item_path(step.path, paths) if step.method == "POST" else None
    return {re.search(r"{(\w+)}$", item).group(1): "body.id"} if item else {}


def _tests(step: Step, operation: dict, paths: dict) -> list[str]:
    success = _success_status(operation)
    captures = _default_captures(step, paths) if step.captures is None else step.captures
    if step.needs_stripe:
        lines = [
            'const paymentsConfigured = pm.variables.get("paymentsConfigured") === "true";',
            f'let [expected, code] = paymentsConfigured ? [{success}, null] : [503, "PAYMENTS_NOT_CONFIGURED"];',
        ]
    else:
        lines = [f"let [expected, code] = [{success}, null];"]
    if step.placeholder:
        variable, _, status, code = step.placeholder
        lines.append(f'if (!pm.collectionVariables.get("{variable}")) [expected, code] = [{status}, "{code}"];')
    if step.expect:
        lines = [f'let [expected, code] = [{step.expect[0]}, "{step.expect[1]}"];']
    lines += [
        'pm.test(code ? "answers " + expected + " " + code : "answers " + expected, function () {',
        "    pm.response.to.have.status(expected);",
        "    if (code) pm.expect(pm.response.json().code).to.eql(code);",
        "});",
    ]
    if step.checks or captures:
        lines.append(f"if (pm.response.code === {success} && !code) {{")
        if operation["responses"][str(success)].get("content", {}).get("application/json"):
            lines.append("    const body = pm.response.json();")
        if step.checks:
            lines.append('    pm.test("the answer is the expected one", function () {')
            lines += [f"        {check}" for check in step.checks]
            lines.append("    });")
        for variable, expression in captures.items():
            lines += [
                f"    const {variable} = {expression};",
                f'    if ({variable}) pm.collectionVariables.set("{variable}", {variable});',
            ]
        lines.append("}")
    return lines


def _prerequest(step: Step) -> list[str]:
    lines = list(step.prerequest)
    if step.placeholder:
        variable, placeholder, status, code = step.placeholder
        lines += [
            f"// Nothing to act on yet: {placeholder} does not exist, so the answer is {status} {code}.",
            f'if (!pm.collectionVariables.get("{variable}")) pm.variables.set("{variable}", "{placeholder}");',
        ]
    return lines


def _body(step: Step, operation: dict) -> tuple[str, object] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        example = _first_example(content["multipart/form-data"])
        form = [
            {"key": key, "type": "file", "src": value} if key == "file" else {"key": key, "value": json.dumps(value)}
            for key, value in example.items()
        ]
        return "formdata", form
    if "application/json" not in content:
        return None
    example = step.body if step.body is not None else _first_example(content["application/json"])
    if example is None:
        return None
    if isinstance(example, dict):
        example = {**example, **step.changes}
    return "raw", _with_variables(example)


def _url(path: str, step: Step) -> dict:
    segments, variables = [], []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            segments.append(f":{name}")
            variables.append({"key": name, "value": f"{{{{{step.path_variables.get(name, name)}}}}}"})
        else:
            segments.append(segment)
    return {
        "raw": "{{baseUrl}}/" + "/".join(segments),
        "host": ["{{baseUrl}}"],
        "path": segments,
        "variable": variables,
    }


def _request_item(step: Step, operation: dict, paths: dict) -> dict:
    url = _url(step.path, step)
    url["query"] = [
        {"key": p["name"], "value": "", "disabled": True, "description": p.get("description", "")}
        for p in operation.get("parameters", [])
        if p.get("in") == "query"
    ]
    headers = [{"key": "Accept", "value": "application/json"}]
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("required"):
            variable = re.sub(r"-(\w)", lambda match: match.group(1).upper(), parameter["name"])
            headers.append({"key": parameter["name"], "value": f"{{{{{variable[0].lower()}{variable[1:]}}}}}"})
    request = {"method": step.method, "header": headers, "url": url, "description": operation.get("description", "")}
    if step.auth is not None:
        request["auth"] = step.auth
    elif not operation.get("security"):
        request["auth"] = {"type": "noauth"}
    body = _body(step, operation)
    if body and body[0] == "formdata":
        request["body"] = {"mode": "formdata", "formdata": body[1]}
    elif body:
        headers.append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(body[1], indent=2),
            "options": {"raw": {"language": "json"}},
        }
    events = [{"listen": "test", "script": {"type": "text/javascript", "exec": _tests(step, operation, paths)}}]
    if _prerequest(step):
        events.insert(0, {"listen": "prerequest", "script": {"type": "text/javascript", "exec": _prerequest(step)}})
    return {
        "name": step.name or operation.get("summary") or f"{step.method} {step.path}",
        "request": request,
        "event": events,
    }


def _operation(paths: dict, step: Step) -> dict:
    try:
        return paths[step.path][step.method.lower()]
    except KeyError:
        raise KeyError(f"The collection names {step.method} {step.path}, which the API no longer has") from None


def _variables(items: list, payments_configured: bool, base_url: str) -> list[dict]:
    text = json.dumps(items)
    defaults = {**SETTINGS, "baseUrl": (base_url, SETTINGS["baseUrl"][1])}
    defaults["paymentsConfigured"] = ("true" if payments_configured else "false", SETTINGS["paymentsConfigured"][1])
    variables = [
        {"key": key, "value": value, "type": "string", "description": description}
        for key, (value, description) in defaults.items()
    ]
    for name in dict.fromkeys(VARIABLE.findall(text)):
        if name not in defaults and name not in ("unique", "stripeSignature"):
            variables.append({"key": name, "value": "", "type": "string", "description": "Set by the requests."})
    return variables


DESCRIPTION = """{intro}

**Authentication.** Every request sends `X-API-Key: {{{{apiKey}}}}` (the collection's auth). To use a JWT
instead, run Auth › Log in (it stores `accessToken` and `refreshToken`), then set the collection's auth to
Bearer Token `{{{{accessToken}}}}`; the access token lives 15 minutes: run Auth › Rotate a refresh token for a
new pair.

**Running it.** Run the whole collection in order: Getting started first, then each folder. Requests store the
ids they create in collection variables that later requests use; a DELETE removes an object the collection
created just before it. Unique values (SKUs, emails, warehouse codes) get a fresh `{{{{unique}}}}` suffix per run.
One run makes about 110 writes, more than the default limit of 100 writes per hour per credential: against
your own server, raise `API_RATE_LIMIT_WRITE` (the CI run uses 100000/hour) or run the folders one at a time.

**Stripe.** Charge a card, Refund, Start a Stripe Checkout session, Cancel a subscription and the Stripe
webhook expect success when `paymentsConfigured` is "true" (the server has Stripe keys; the webhook request is
then signed with `stripeWebhookSecret`), else the documented 503 PAYMENTS_NOT_CONFIGURED. Cancel needs one of
the account's subscriptions (List subscriptions stores the first one). The webhook the collection creates sends
its events to `webhookUrl` (by default the server's own /healthz, which answers any POST).

**Product import** uploads a CSV file: choose one in the request's body (`docs/examples/products.csv` is a
sample)."""


def build_collection(schema: dict, *, payments_configured: bool = False) -> dict:
    paths = schema.get("paths", {})
    folders = [("Getting started", "Create a product, stock it, sell it and follow the order.", list(GETTING_STARTED))]
    folders += [(name, description, list(steps)) for name, description, steps in FOLDERS]
    covered = {(step.method.lower(), step.path) for _, _, steps in folders for step in steps}
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in METHODS and (method, path) not in covered:
                tag = (operation.get("tags") or ["general"])[0].capitalize()
                folder = next((entry for entry in folders if entry[0] == tag), None)
                if folder is None:
                    folder = (tag, "", [])
                    folders.append(folder)
                folder[2].append(Step(method.upper(), path))
    items = [
        {
            "name": name,
            "description": description,
            "item": [_request_item(step, _operation(paths, step), paths) for step in steps],
        }
        for name, description, steps in folders
    ]
    info = schema.get("info", {})
    base_url = (schema.get("servers") or [{"url": "http://localhost:3000"}])[0]["url"]
    return {
        "info": {
            "name": info.get("title", "API"),
            "description": DESCRIPTION.format(intro=info.get("description", "")),
            "version": info.get("version", ""),
            "schema": POSTMAN_SCHEMA,
        },
        "auth": API_KEY_AUTH,
        "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": [UNIQUE_SCRIPT]}}],
        "variable": _variables(items, payments_configured, base_url),
        "item": items,
    }
