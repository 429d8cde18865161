"""Accounts kept by the app, single sign-on identities, and sign-in throttling."""

import time

import pytest
from sqlalchemy import text

from core.auth import passwords
from core.auth.accounts import (
    BadCredentials,
    IdentityIncomplete,
    InvalidUsername,
    SignupClosed,
    TooManyAttempts,
    UsernameUnavailable,
    WeakPassword,
    change_password,
    create_password_account,
    oidc_user,
    sign_in,
    sign_up,
    throttle_wait,
)
from core.auth.settings import AuthConfigError, AuthMode, AuthSettings, auth_settings
from core.store.db import engine
from core.store.users import local_user
from tests.auth_helpers import fast_hashing  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("fast_hashing")
OPEN = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True)
PASSWORD = "correct horse battery"


def stored_hash(db_url, username):
    with engine(db_url).connect() as conn:
        return conn.execute(
            text("SELECT password_hash FROM users WHERE username = :name"), {"name": username}
        ).scalar_one()


def test_production_hashing_is_memory_hard():
    hasher = passwords.make_hasher()  # the module's own instance is made cheap in these tests
    assert hasher.type.name == "ID"
    assert hasher.memory_cost >= 64 * 1024 and hasher.time_cost >= 2


def test_settings_come_from_the_environment_and_refuse_guesses():
    assert auth_settings({}).mode is AuthMode.NONE
    settings = auth_settings(
        {"AUTH_MODE": "Accounts", "ALLOW_SIGNUP": "off", "ADMINS": "Alice, bob@x.org"}
    )
    assert settings.mode is AuthMode.ACCOUNTS and not settings.allow_signup
    assert settings.is_listed_admin("alice") and settings.is_listed_admin("BOB@x.org")
    assert auth_settings({"AUTH_MODE": "oidc"}).multi_user
    # A typo must not silently fall back to "no login, everyone is the admin".
    with pytest.raises(AuthConfigError):
        auth_settings({"AUTH_MODE": "acounts"})
    with pytest.raises(AuthConfigError):
        auth_settings({"AUTH_MODE": "accounts", "ALLOW_SIGNUP": "maybe"})


def test_passwords_are_stored_as_argon2id_hashes_only(db):
    alice = sign_up(OPEN, "Alice", PASSWORD)
    assert alice.username == "alice"
    stored = stored_hash(db, "alice")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert sign_in(OPEN, "ALICE ", PASSWORD).id == alice.id
    with pytest.raises(BadCredentials):
        sign_in(OPEN, "alice", "correct horse battery!")


def test_first_account_is_the_admin_unless_admins_are_listed(db):
    local_user()  # the laptop user does not count as an account
    assert sign_up(OPEN, "first", PASSWORD).is_admin
    assert not sign_up(OPEN, "second", PASSWORD).is_admin
    listed = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True, admins=frozenset({"boss"}))
    # A listed admin's name cannot be taken through sign-up: an admin makes it.
    with pytest.raises(InvalidUsername):
        sign_up(listed, "Boss", PASSWORD)
    assert create_password_account(listed, "boss", PASSWORD).is_admin
    assert not sign_up(listed, "worker", PASSWORD).is_admin


def test_admin_list_decides_at_every_sign_in(db):
    sign_up(OPEN, "carol", PASSWORD)  # first account: admin
    demoted = AuthSettings(mode=AuthMode.ACCOUNTS, admins=frozenset({"dave"}))
    assert not sign_in(demoted, "carol", PASSWORD).is_admin


def test_sign_up_rules(db):
    closed = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=False)
    with pytest.raises(SignupClosed):
        sign_up(closed, "eve", PASSWORD)
    for bad in ("ab", "local", "sso-123", "has space", "x" * 33, "rtl\u202eevil", "ze\u200bro"):
        with pytest.raises(InvalidUsername):
            sign_up(OPEN, bad, PASSWORD)
    with pytest.raises(WeakPassword):
        sign_up(OPEN, "frank", "short")
    sign_up(OPEN, "王小明", PASSWORD)  # names in any script
    with pytest.raises(UsernameUnavailable):
        sign_up(OPEN, "王小明", PASSWORD)


def test_wrong_username_and_wrong_password_get_the_same_answer(db):
    sign_up(OPEN, "grace", PASSWORD)
    with pytest.raises(BadCredentials) as unknown:
        sign_in(OPEN, "nobody", PASSWORD)
    with pytest.raises(BadCredentials) as wrong:
        sign_in(OPEN, "grace", "nope nope nope")
    assert (unknown.value.kind, unknown.value.detail) == (wrong.value.kind, wrong.value.detail)


def test_repeated_failures_lock_the_username_for_a_while(db):
    settings = AuthSettings(
        mode=AuthMode.ACCOUNTS, allow_signup=True, max_failures=3, failure_window_s=600
    )
    sign_up(settings, "heidi", PASSWORD)
    for _ in range(3):
        with pytest.raises(BadCredentials):
            sign_in(settings, "heidi", "guess guess", ip="10.0.0.9")
    # Even the right password is refused now: the guesser cannot tell.
    with pytest.raises(TooManyAttempts) as locked:
        sign_in(settings, "heidi", PASSWORD, ip="10.0.0.1")
    assert locked.value.detail == "10"  # minutes
    assert 0 < throttle_wait(settings, "heidi", None) <= 600
    # Once the window has passed, the right password works again.
    later = throttle_wait(settings, "heidi", None, now=time.time() + 601)
    assert later == 0


def test_one_address_guessing_many_usernames_is_throttled(db):
    settings = AuthSettings(mode=AuthMode.ACCOUNTS, max_failures_per_ip=4)
    for name in ("u1", "u2", "u3", "u4"):
        with pytest.raises(BadCredentials):
            sign_in(settings, name, "whatever1", ip="203.0.113.7")
    with pytest.raises(TooManyAttempts):
        sign_in(settings, "u5", "whatever1", ip="203.0.113.7")
    with pytest.raises(BadCredentials):  # another address is not affected
        sign_in(settings, "u5", "whatever1", ip="198.51.100.1")


def test_change_password_needs_the_current_one(db):
    ivan = sign_up(OPEN, "ivan", PASSWORD)
    with pytest.raises(BadCredentials):
        change_password(ivan.id, "ivan", "not it at all", "new password 1")
    change_password(ivan.id, "ivan", PASSWORD, "new password 1")
    assert sign_in(OPEN, "ivan", "new password 1").id == ivan.id


def test_single_sign_on_maps_the_subject_onto_one_user(db):
    sso = AuthSettings(
        mode=AuthMode.OIDC, allow_signup=True, admins=frozenset({"judy@example.com"})
    )
    claims = {
        "sub": "1234",
        "iss": "https://idp.example",
        "email": "Judy@example.com",
        "email_verified": True,
    }
    judy = oidc_user(sso, {**claims, "name": "Judy"})
    assert judy.auth_source == "oidc" and judy.display_name == "Judy" and judy.is_admin
    again = oidc_user(sso, {**claims, "name": "Judy B."})
    assert again.id == judy.id and again.display_name == "Judy B."
    # The same `sub` at another issuer is another person.
    other = oidc_user(sso, {**claims, "iss": "https://evil.example", "email": "x@y.z"})
    assert other.id != judy.id and not other.is_admin
    # An unverified address does not make anyone an admin, nor one the provider
    # does not say it checked (no email_verified at all).
    mallory = oidc_user(sso, {"sub": "666", "email": "judy@example.com", "email_verified": False})
    assert not mallory.is_admin
    trudy = oidc_user(sso, {"sub": "667", "email": "judy@example.com"})
    assert not trudy.is_admin
    with pytest.raises(IdentityIncomplete):
        oidc_user(sso, {"email": "nosub@example.com"})
    # An SSO username cannot be claimed through sign-up.
    with pytest.raises(InvalidUsername):
        sign_up(OPEN, judy.username, PASSWORD)
