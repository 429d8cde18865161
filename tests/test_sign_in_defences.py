"""What an attacker tries against sign-in and sign-up, against a real SQLite file:
parallel guesses, simultaneous first sign-ups, look-alike names, forged
X-Forwarded-For headers, and sessions that should have ended."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from ipaddress import ip_network

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import text

from core.auth import passwords, sessions
from core.auth.accounts import (
    BadCredentials,
    EmailNotAllowed,
    InvalidUsername,
    LookAlikeUsername,
    ServerBusy,
    TooManyAttempts,
    TooManySignups,
    change_password,
    create_password_account,
    oidc_user,
    sign_in,
    sign_up,
)
from core.auth.client_address import client_address, limit_key
from core.auth.settings import AuthConfigError, AuthMode, AuthSettings, auth_settings
from core.auth.usernames import normalize_username
from core.store import reset_for_tests
from core.store import sign_in_sessions as session_store
from core.store.db import session
from core.store.users import ADMIN, PASSWORD, create_account
from tests.auth_helpers import fast_hashing  # noqa: F401 (a fixture)

OPEN = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True)
SECRET = "correct horse battery"


def all_at_once(count: int, work):
    """Run `work(i)` in `count` threads released together; outcomes in order
    (a result, or the exception raised)."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 (the outcome is what is under test)
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


class CountingHasher(PasswordHasher):
    """Real Argon2id (small costs), counting how many hashes run at the same moment."""

    def __init__(self):
        super().__init__(time_cost=2, memory_cost=4096, parallelism=1, type=Type.ID)
        self.lock = threading.Lock()
        self.running = self.most = self.verified = 0

    def _count(self, work):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return work()
        finally:
            with self.lock:
                self.running -= 1

    def verify(self, hash, password):
        with self.lock:
            self.verified += 1
        return self._count(lambda: super(CountingHasher, self).verify(hash, password))

    def hash(self, password, *, salt=None):
        return self._count(lambda: super(CountingHasher, self).hash(password, salt=salt))


@pytest.fixture
def counting_hasher(monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    passwords._dummy_hash.cache_clear()
    yield hasher
    passwords._dummy_hash.cache_clear()


# ---------------------------------------------------------------- guessing in parallel


def test_twelve_parallel_wrong_guesses_meet_a_limit_of_five(db, counting_hasher):
    settings = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True, max_failures=5)
    sign_up(settings, "victim", SECRET)
    counting_hasher.verified = 0

    outcomes = all_at_once(12, lambda i: sign_in(settings, "victim", f"guess number {i}"))

    assert sum(isinstance(o, BadCredentials) for o in outcomes) == 5
    assert sum(isinstance(o, TooManyAttempts) for o in outcomes) == 7
    assert counting_hasher.verified == 5  # refused guesses cost no hashing at all
    with pytest.raises(TooManyAttempts):  # and the right password is refused too now
        sign_in(settings, "victim", SECRET)


def test_one_address_spraying_many_names_in_parallel_meets_its_limit(db, fast_hashing):  # noqa: F811
    settings = AuthSettings(mode=AuthMode.ACCOUNTS, max_failures_per_ip=4)
    outcomes = all_at_once(
        10, lambda i: sign_in(settings, f"user{i}", "guess guess", ip="203.0.113.9")
    )
    assert sum(isinstance(o, BadCredentials) for o in outcomes) == 4
    assert sum(isinstance(o, TooManyAttempts) for o in outcomes) == 6


def test_a_correct_password_after_failures_resets_the_count(db, fast_hashing):  # noqa: F811
    settings = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True, max_failures=2)
    sign_up(settings, "wendy", SECRET)
    with pytest.raises(BadCredentials):
        sign_in(settings, "wendy", "typo typo")
    assert sign_in(settings, "wendy", SECRET).username == "wendy"
    with pytest.raises(BadCredentials):  # one failure since the success: not locked
        sign_in(settings, "wendy", "typo again")


def test_concurrent_hashes_are_capped_process_wide(db, counting_hasher):
    sign_up(OPEN, "xavier", SECRET)
    counting_hasher.most = 0
    all_at_once(8, lambda i: sign_in(OPEN, f"someone{i}", "whatever you say"))
    assert counting_hasher.most == passwords.HASH_SLOTS


def test_a_sign_in_that_waits_too_long_for_hashing_is_told_so_and_not_counted(
    db,
    fast_hashing,  # noqa: F811
    monkeypatch,
):
    settings = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True, max_failures=1)
    sign_up(settings, "yvonne", SECRET)
    monkeypatch.setattr(passwords, "HASH_WAIT_S", 0.05)
    for _ in range(passwords.HASH_SLOTS):
        passwords._slots.acquire()
    try:
        with pytest.raises(ServerBusy):
            sign_in(settings, "yvonne", SECRET)
    finally:
        for _ in range(passwords.HASH_SLOTS):
            passwords._slots.release()
    # The busy attempt did not use up the single allowed failure.
    assert sign_in(settings, "yvonne", SECRET).username == "yvonne"


# ---------------------------------------------------------------- sign-up


def test_sign_up_is_off_unless_switched_on():
    assert not auth_settings({"AUTH_MODE": "accounts"}).allow_signup
    assert auth_settings({"AUTH_MODE": "accounts", "ALLOW_SIGNUP": "true"}).allow_signup


def test_sign_ups_are_throttled_per_address_and_overall(db, fast_hashing):  # noqa: F811
    settings = AuthSettings(
        mode=AuthMode.ACCOUNTS, allow_signup=True, max_signups_per_ip=2, max_signups=3
    )
    sign_up(settings, "first1", SECRET, ip="198.51.100.1")
    sign_up(settings, "second2", SECRET, ip="198.51.100.1")
    with pytest.raises(TooManySignups) as refused:
        sign_up(settings, "third3", SECRET, ip="198.51.100.1")
    assert refused.value.detail == "60"  # minutes
    sign_up(settings, "other1", SECRET, ip="192.0.2.50")  # another address: allowed
    with pytest.raises(TooManySignups):  # but the total for everyone is reached
        sign_up(settings, "other2", SECRET, ip="192.0.2.51")


def test_simultaneous_first_accounts_make_exactly_one_admin(tmp_path, monkeypatch):
    """Two people signing up at the same moment on a fresh install (it used to
    make two admins 11 times in 20)."""
    for round_ in range(20):
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / f'round{round_}.db'}")
        reset_for_tests()
        from core.store import open_store

        open_store()
        made = all_at_once(
            2,
            lambda i: create_account(
                f"person{i}", auth_source=PASSWORD, password_hash="x", first_becomes_admin=True
            ),
        )
        assert sorted(user.role for user in made) == [ADMIN, "user"], f"round {round_}"
    reset_for_tests()


def test_names_are_one_spelling_whatever_the_case_or_width():
    assert normalize_username("Alice") == normalize_username("ＡＬＩＣＥ") == "alice"
    assert normalize_username("STRASSE") == normalize_username("straße")  # case folding
    assert normalize_username("ﬁnn") == "finn"


def test_admin_name_cannot_be_claimed_by_any_spelling(db, fast_hashing):  # noqa: F811
    settings = AuthSettings(mode=AuthMode.ACCOUNTS, allow_signup=True, admins=frozenset({"alice"}))
    for spelling in ("Alice", "ALICE", "Ａｌｉｃｅ", " alice "):
        with pytest.raises(InvalidUsername):
            sign_up(settings, spelling, SECRET)
    for look_alike in ("аlice", "a1ice", "alıce", "ａlice\u200b"):  # Cyrillic а, digit 1, dotless ı
        with pytest.raises(InvalidUsername):
            sign_up(settings, look_alike, SECRET)
    # Made by an admin, the account is the admin; the same name in capitals signs in.
    create_password_account(settings, "alice", SECRET)
    assert sign_in(settings, "ALICE", SECRET).is_admin


def test_look_alikes_of_reserved_and_existing_names_are_refused(db, fast_hashing):  # noqa: F811
    sign_up(OPEN, "paypal", SECRET)
    refused = {
        "раураӏ": LookAlikeUsername,  # all Cyrillic (ӏ: palochka): one script, reads "paypal"
        "раураl": LookAlikeUsername,  # Cyrillic with a Latin l: mixed scripts
        "paypa1": LookAlikeUsername,
        "аdmin": LookAlikeUsername,  # mixed scripts
        "Administrator": InvalidUsername,  # reserved
        "r00t": InvalidUsername,  # looks like a reserved name
        "sys\u202etem": InvalidUsername,  # bidi override
        "zero\u200bwidth": InvalidUsername,  # invisible
    }
    for name, error in refused.items():
        with pytest.raises(error):
            sign_up(OPEN, name, SECRET)
    # Real names in one script, or in scripts a language writes together, are fine.
    for name in ("иван", "王小明", "山田たろう", "김민준", "josé", "o.brien-2"):
        sign_up(OPEN, name, SECRET)


# ---------------------------------------------------------------- the client's address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("::1/128"), ip_network("127.0.0.1/32"))


@pytest.mark.parametrize(
    ("peer", "headers", "proxies", "expected"),
    [
        # No trusted proxy: the header is anyone's to write, so it is ignored.
        ("203.0.113.5", ["1.2.3.4"], (), "203.0.113.5"),
        # A peer that is not a trusted proxy: ignored too.
        ("203.0.113.5", ["1.2.3.4"], PROXIES, "203.0.113.5"),
        # Through a trusted proxy: the address it saw.
        ("10.0.0.2", ["198.51.100.7"], PROXIES, "198.51.100.7"),
        # A client that sends its own header: the proxy appends the real one.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7"], PROXIES, "198.51.100.7"),
        # Two trusted hops (several headers, in order), then the client.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.7", "10.9.9.9"], PROXIES, "198.51.100.7"),
        # Streamlit reports a loopback peer as None: a proxy on the same machine.
        (None, ["198.51.100.7"], PROXIES, "198.51.100.7"),
        (None, ["198.51.100.7"], (), None),  # no proxy: a developer's own browser
        # Garbage in the header: the last trusted hop is all that is known.
        ("10.0.0.2", ["<script>"], PROXIES, "10.0.0.2"),
        ("10.0.0.2", [], PROXIES, "10.0.0.2"),
        # IPv4 in IPv6 clothing is IPv4; IPv6 clients count by their /64.
        ("::ffff:203.0.113.5", [], (), "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", [], (), "2001:db8:1:2::/64"),
        ("10.0.0.2", ["[2001:db8::5]:4433"], PROXIES, "2001:db8::/64"),
    ],
)
def test_client_address_believes_only_trusted_proxies(peer, headers, proxies, expected):
    assert limit_key(client_address(peer, headers, proxies)) == expected


def test_trusted_proxies_setting():
    settings = auth_settings({"TRUSTED_PROXIES": "10.0.0.0/8, ::1,172.16.0.5"})
    assert ip_network("10.0.0.0/8") in settings.trusted_proxies
    assert len(settings.trusted_proxies) == 3
    with pytest.raises(AuthConfigError):
        auth_settings({"TRUSTED_PROXIES": "10.0.0.0/33"})


# ---------------------------------------------------------------- single sign-on


def claims(sub, email, verified=True):
    return {"sub": sub, "iss": "https://idp.example", "email": email, "email_verified": verified}


def test_single_sign_on_honours_sign_up_and_the_allow_list(db):
    closed = AuthSettings(
        mode=AuthMode.OIDC,
        admins=frozenset({"boss@corp.example"}),
        allowed_emails=frozenset({"@corp.example", "guest@else.example"}),
    )
    assert oidc_user(closed, claims("1", "ann@corp.example")).username.startswith("sso-")
    assert oidc_user(closed, claims("2", "GUEST@else.example")).auth_source == "oidc"
    assert oidc_user(closed, claims("3", "boss@corp.example")).is_admin
    for refused in (
        claims("4", "eve@evil.example"),  # not on the list
        claims("5", "ann@corp.example", verified=False),  # the provider did not check it
        claims("6", "ann@corp.example.evil.example"),  # a domain is not a prefix
        {"sub": "7", "email": "ann@corp.example"},  # no email_verified at all
    ):
        with pytest.raises(EmailNotAllowed):
            oidc_user(closed, refused)
    # No allow-list and sign-up closed: nobody new, except listed admins.
    invite_only = AuthSettings(mode=AuthMode.OIDC, admins=frozenset({"boss@corp.example"}))
    with pytest.raises(EmailNotAllowed):
        oidc_user(invite_only, claims("8", "new@corp.example"))
    # Someone already in stays in; open sign-up lets new people in.
    assert oidc_user(invite_only, claims("1", "ann@corp.example")).auth_source == "oidc"
    assert oidc_user(AuthSettings(mode=AuthMode.OIDC, allow_signup=True), claims("9", "x@y.z"))


def test_cookie_secret_from_the_example_is_refused():
    from core.auth.settings import cookie_secret_problem

    assert cookie_secret_problem("a long random string")
    assert cookie_secret_problem("CHANGE-ME-to-something-long-and-random-please")
    assert cookie_secret_problem("short") and cookie_secret_problem(None)
    assert not cookie_secret_problem("q3V9sJkYt0r8l1mZ2xWc5bN7aP4dF6gH")


# ---------------------------------------------------------------- staying signed in


def test_a_session_resumes_until_it_expires(db, fast_hashing):  # noqa: F811
    user = sign_up(OPEN, "sam", SECRET)
    session_id, token = sessions.start(user.id, lifetime_s=60)
    assert sessions.resume(token) == (session_id, user)
    assert sessions.user_of(session_id) == user
    assert sessions.resume(token + "x") is None
    assert sessions.resume("") is None and sessions.resume("a" * 500) is None
    later = time.time() + 61
    assert session_store.user_of(sessions.token_hash(token), now=later) is None
    assert session_store.user_of_session(session_id, now=later) is None


def test_only_a_hash_of_the_token_is_stored(db, fast_hashing):  # noqa: F811
    user = sign_up(OPEN, "tina", SECRET)
    _, token = sessions.start(user.id, lifetime_s=60)
    with session() as conn:  # the test's database, SQLite or PostgreSQL
        [(stored,)] = conn.execute(text("SELECT token_hash FROM sign_in_sessions")).all()
    assert stored == sessions.token_hash(token) and token not in stored


def test_sign_out_and_password_change_end_every_session(db, fast_hashing):  # noqa: F811
    uma = sign_up(OPEN, "uma", SECRET)
    other = sign_up(OPEN, "other", SECRET)
    laptop, phone, theirs = (
        sessions.start(uma.id, 60),
        sessions.start(uma.id, 60),
        sessions.start(other.id, 60),
    )
    change_password(uma.id, "uma", SECRET, "a brand new secret")
    assert sessions.resume(laptop[1]) is None and sessions.resume(phone[1]) is None
    assert sessions.resume(theirs[1]) is not None  # nobody else is signed out
    tablet = sessions.start(uma.id, 60)
    sessions.end_all(uma.id)  # what "Sign out" does
    assert sessions.user_of(tablet[0]) is None
    with pytest.raises(BadCredentials):
        sign_in(OPEN, "uma", SECRET)


def test_accounts_named_before_case_folding_still_sign_in(db, fast_hashing):  # noqa: F811
    # Made when names were only lower-cased: "straße" is "strasse" now.
    create_account("straße", auth_source=PASSWORD, password_hash=passwords.hash_password(SECRET))
    assert sign_in(OPEN, "Straße", SECRET).username == "straße"


def test_a_look_alike_signed_up_at_the_same_moment_is_refused(db, fast_hashing):  # noqa: F811
    """Both names are free when checked; only one may be made ("paypal" and the
    all-Cyrillic "раураl" at once)."""
    for round_ in range(5):
        names = (f"paypal{round_}", f"раураӏ{round_}")  # Cyrillic, palochka for the l
        outcomes = all_at_once(2, lambda i, names=names: sign_up(OPEN, names[i], SECRET))
        made = [o for o in outcomes if not isinstance(o, Exception)]
        assert len(made) == 1, outcomes
        assert isinstance(next(o for o in outcomes if isinstance(o, Exception)), LookAlikeUsername)
