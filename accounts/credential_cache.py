"""A short-lived cache of verified credentials, so API-key and JWT authentication make no database query.

Entries live in the Django cache (Redis in production) for AUTH_CACHE_SECONDS (0 turns the cache off),
keyed by ids that are not secrets, and hold plain field values:

- an API key, by its prefix: the key's row (its stored SHA-512 hash included, never the key itself)
  and its account's row;
- a member, by (user id, account id): the user's row without the password hash, the account's row and
  the membership's role.

A hit rebuilds the model instances a database read would give (`Model.from_db`), so a view sees the
same `context.account` either way, and the caller checks them exactly as it checks rows: the key's
hash, revocation and expiry, the account's and the user's `is_active`.

Whatever changes one of those rows forgets the entries built from it (`forget_*`): the services in
accounts/services.py, the receivers in accounts/apps.py for every other writer (the admin, shells,
cascades), and the admin's bulk actions. Forgetting writes a short tombstone in place of each entry at
once and again after the transaction commits, and entries are only ever added where nothing is stored,
so a reader that loaded the old row while the change was in flight cannot put it back.
"""

import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.base import DEFERRED

from .models import Account, ApiKey, Membership, User

DEFAULT_SECONDS = 60
# How long a forgotten entry stays blocked. It only has to outlast the moment between a reader's
# database read and its cache write; a minute-long stall there would still be bounded by the TTL.
TOMBSTONE_SECONDS = 5
# ApiKey.touch() writes last_used_at at most once a minute; a marker says a process already did.
TOUCH_SECONDS = 60
_FORGOTTEN = "forgotten"
_PREFIX = re.compile(r"[A-Za-z0-9]{1,16}")
_USER_EXCLUDED = frozenset({"password"})  # never cached; a rebuilt user loads it from the database if asked


def ttl() -> int:
    return max(int(getattr(settings, "AUTH_CACHE_SECONDS", DEFAULT_SECONDS)), 0)


def api_key_cache_key(prefix: str) -> str:
    return f"auth:v1:api-key:{prefix}"


def member_cache_key(user_id, account_id) -> str:
    return f"auth:v1:member:{user_id}:{account_id}"


def _used_marker_key(prefix: str) -> str:
    return f"auth:v1:api-key-used:{prefix}"


# --- rows in and out ---------------------------------------------------------------------------


def _row(instance, excluded: frozenset = frozenset()) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in excluded
    }


def _rebuild(model, row: dict):
    """The instance a database read of these columns gives; a column missing from `row` (the user's
    password, or one added since the entry was written) is deferred and loads on first access."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(DEFAULT_DB_ALIAS, names, [row.get(name, DEFERRED) for name in names])


def _fill(key: str, value: dict) -> None:
    # add(), not set(): a tombstone written by a concurrent change must win over a row read before it.
    cache.add(key, value, timeout=ttl())


# --- API keys ----------------------------------------------------------------------------------


def api_key_lookup(prefix: str) -> tuple[ApiKey | None, bool]:
    """(the cached key with its account, or None; whether its last use was recorded this minute)."""
    if not ttl() or not _PREFIX.fullmatch(prefix):
        return None, False
    key = api_key_cache_key(prefix)
    found = cache.get_many([key, _used_marker_key(prefix)])
    entry = found.get(key)
    used_recently = _used_marker_key(prefix) in found
    if not isinstance(entry, dict):
        return None, used_recently
    api_key = _rebuild(ApiKey, entry["key"])
    api_key.account = _rebuild(Account, entry["account"])
    return api_key, used_recently


def api_key_remember(api_key: ApiKey) -> None:
    """Caches a key its caller has just verified and accepted (the row, loaded with its account)."""
    preferred = ApiKey.objects.key_generator.using_preferred_hasher(api_key.hashed_key)
    if ttl() and preferred and _PREFIX.fullmatch(api_key.prefix):
        # A key under an older, slow hasher is rehashed by is_valid() on its next use; cache it after.
        _fill(api_key_cache_key(api_key.prefix), {"key": _row(api_key), "account": _row(api_key.account)})


def api_key_touch(api_key: ApiKey, *, used_recently: bool) -> None:
    """ApiKey.touch() compares with the row's last_used_at, which in a cached row is as old as the
    entry; the marker makes the write once a minute across processes without reading the row."""
    if not ttl() or (not used_recently and cache.add(_used_marker_key(api_key.prefix), True, timeout=TOUCH_SECONDS)):
        api_key.touch()


# --- members (JWT and OAuth) -------------------------------------------------------------------


def member_lookup(user_id, account_id) -> tuple[User, Account, str] | None:
    """(user, account, role) of a cached membership, or None."""
    if not ttl() or not user_id or not account_id:
        return None
    entry = cache.get(member_cache_key(user_id, account_id))
    if not isinstance(entry, dict):
        return None
    return _rebuild(User, entry["user"]), _rebuild(Account, entry["account"]), entry["role"]


def member_remember(*, user: User, account: Account, role: str) -> None:
    if ttl():
        _fill(
            member_cache_key(user.pk, account.pk),
            {"user": _row(user, _USER_EXCLUDED), "account": _row(account), "role": role},
        )


# --- forgetting --------------------------------------------------------------------------------


def _forget(cache_keys: Callable[[], Iterable[str]]) -> None:
    """Tombstones the entries now (a reader during the transaction still sees the old committed row
    and must not cache it) and again after commit (anything cached in between is replaced). Outside a
    transaction on_commit runs at once. `cache_keys` is called each time, so rows committed in
    between by others are found too."""

    def tombstone():
        keys = list(cache_keys())
        if keys:
            cache.set_many(dict.fromkeys(keys, _FORGOTTEN), timeout=TOMBSTONE_SECONDS)

    tombstone()
    transaction.on_commit(tombstone, robust=True)  # the change is committed: a cache error must not fail it


def forget_api_keys(prefixes: Iterable[str]) -> None:
    prefixes = list(prefixes)
    _forget(lambda: [api_key_cache_key(prefix) for prefix in prefixes])


def forget_members(pairs: Iterable[tuple]) -> None:
    """Forgets memberships given as (user id, account id) pairs."""
    pairs = list(pairs)
    _forget(lambda: [member_cache_key(user_id, account_id) for user_id, account_id in pairs])


def forget_accounts(account_ids: Iterable) -> None:
    """Every cached key and member of these accounts (deactivated, deleted or edited)."""
    account_ids = list(account_ids)

    def keys():
        prefixes = ApiKey.objects.filter(account_id__in=account_ids).values_list("prefix", flat=True)
        pairs = Membership.objects.filter(account_id__in=account_ids).values_list("user_id", "account_id")
        return [*map(api_key_cache_key, prefixes), *(member_cache_key(*pair) for pair in pairs)]

    _forget(keys)


def forget_users(user_ids: Iterable) -> None:
    """Every cached membership of these users (deactivated, password changed, deleted or edited)."""
    user_ids = list(user_ids)

    def keys():
        pairs = Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "account_id")
        return [member_cache_key(*pair) for pair in pairs]

    _forget(keys)


# --- receivers (connected in AccountsConfig.ready) -----------------------------------------------
# Saves and deletes through the ORM from anywhere (the admin, a shell, cascades) forget what they
# change. Creations need nothing: a credential that did not exist was never cached. A bulk
# queryset.update() sends no signal; its callers forget explicitly.


def api_key_saved(sender, instance, created, **kwargs):
    if not created:
        forget_api_keys([instance.prefix])


def api_key_deleted(sender, instance, **kwargs):
    forget_api_keys([instance.prefix])


def membership_saving(sender, instance, **kwargs):
    """A membership moved to another user or account: forget the pair it leaves."""
    if instance._state.adding:
        return
    before = Membership.objects.filter(pk=instance.pk).values_list("user_id", "account_id").first()
    if before is not None and before != (instance.user_id, instance.account_id):
        forget_members([before])


def membership_saved(sender, instance, created, **kwargs):
    if not created:
        forget_members([(instance.user_id, instance.account_id)])


def membership_deleted(sender, instance, **kwargs):
    forget_members([(instance.user_id, instance.account_id)])


def account_saved(sender, instance, created, **kwargs):
    if not created:
        forget_accounts([instance.pk])


def account_deleted(sender, instance, **kwargs):
    forget_accounts([instance.pk])  # its keys and memberships were deleted first, each forgetting itself


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    if not created and not (update_fields and set(update_fields) <= {"last_login"}):
        forget_users([instance.pk])


def user_deleted(sender, instance, **kwargs):
    forget_users([instance.pk])
