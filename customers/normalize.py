"""Canonical forms of customer contact data, shared by the API serializers and the services.

Each function returns the stored form or raises `InvalidValue` with a message for the caller.
"""

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

MAX_TAGS = 50
MAX_TAG_LENGTH = 50
E164_MIN_DIGITS = 8
E164_MAX_DIGITS = 15

_REJECTED_PHONE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "Unknown country calling code.",
    phonenumbers.ValidationResult.TOO_LONG: "Too many digits for its country.",
}


class InvalidValue(ValueError):
    pass


def normalize_email(raw: str | None) -> str | None:
    """Trimmed and lower-cased (uniqueness is per account, case-insensitive); blank means none."""
    if raw is None or not raw.strip():
        return None
    email = raw.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise InvalidValue("Enter a valid email address.") from exc
    return email


def normalize_phone(raw: str | None) -> str | None:
    """An international number, stored in E.164 (`+14155552671`); blank means none.

    phonenumbers must parse it with an assigned country calling code and no extension. A number
    phonenumbers knows to be valid is always accepted; otherwise it needs 8-15 digits in total and
    must not be too long for its country. Numbers are not required to be assigned in their
    numbering plan: the public API example `+1234567890` is not a real NANP number, and imported
    contact lists carry such numbers, so deliverability is checked when a message is sent.
    """
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.startswith("+"):
        raise InvalidValue("Use international format: + and the country code, e.g. +14155552671.")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidValue("Unknown country calling code.") from exc
        raise InvalidValue("Not a phone number.") from exc
    if number.extension:
        raise InvalidValue("Extensions are not supported.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number):
        return e164
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in _REJECTED_PHONE_REASONS:
        raise InvalidValue(_REJECTED_PHONE_REASONS[reason])
    if not E164_MIN_DIGITS <= len(e164) - 1 <= E164_MAX_DIGITS:
        raise InvalidValue(f"A phone number has {E164_MIN_DIGITS} to {E164_MAX_DIGITS} digits.")
    return e164


def normalize_tag(raw: str) -> str:
    tag = raw.strip().lower()
    if not tag:
        raise InvalidValue("A tag cannot be blank.")
    if len(tag) > MAX_TAG_LENGTH:
        raise InvalidValue(f"A tag has at most {MAX_TAG_LENGTH} characters.")
    return tag


def normalize_tags(raw: list[str]) -> list[str]:
    """Trimmed, lower-cased and de-duplicated, in the order given."""
    tags = list(dict.fromkeys(normalize_tag(tag) for tag in raw))
    if len(tags) > MAX_TAGS:
        raise InvalidValue(f"At most {MAX_TAGS} tags.")
    return tags


CONTACT_NORMALIZERS = (("email", normalize_email), ("phone", normalize_phone), ("tags", normalize_tags))


def normalize_contact(values: dict) -> tuple[dict, dict[str, list[str]]]:
    """`values` with its email, phone and tags (those present) in their stored forms, and the errors by
    field name for those that cannot be (empty when all are fine). Other keys are copied as they are."""
    cleaned, errors = dict(values), {}
    for name, normalize in CONTACT_NORMALIZERS:
        if name in cleaned:
            try:
                cleaned[name] = normalize(cleaned[name])
            except InvalidValue as exc:
                errors[name] = [str(exc)]
    return cleaned, errors
