"""Assertions on API responses."""

ENVELOPE = {"error", "details", "code"}


def assert_error(response, status: int, code: str) -> dict:
    """The response is the JSON error envelope with `status` and `code`; returns its body."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == ENVELOPE and body["code"] == code, body
    return body
