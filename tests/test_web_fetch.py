"""Pages fetched for web search: only public http(s) addresses, checked after
resolution and on every redirect; size and time caps (core/websearch/fetch.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.websearch.extract import extract
from core.websearch.fetch import FetchRules, PageFetcher, PageRefused
from tests.web_fakes import PUBLIC_IP, FakeWeb, PublicNat, article


@pytest.fixture
def web():
    fake = FakeWeb()
    fake.start()
    yield fake
    fake.stop()


def fetch(url: str, rules: FetchRules, **options):
    async def run():
        async with PageFetcher(rules, **options) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(run())


def refusal(url: str, rules: FetchRules | None = None, **options) -> str:
    with pytest.raises(PageRefused) as refused:
        fetch(url, rules or FetchRules(), **options)
    return refused.value.reason


def public_names(*names: str, also: tuple[str, ...] = ()):
    """A resolver for which `names` are a public address (and `also` more addresses)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return [PUBLIC_IP, *also]
        raise OSError(f"unknown host {host}")

    return resolve


def test_loopback_and_private_addresses_are_refused_without_the_setting(web):
    web.page("/page", article("Local", "secret intranet text"))
    port = web.port
    for url in (
        f"http://127.0.0.1:{port}/page",
        f"http://localhost:{port}/page",  # a name: refused after resolving it
        f"http://[::ffff:127.0.0.1]:{port}/page",  # IPv4 inside IPv6
        f"http://[::1]:{port}/page",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.0.0.7/",
    ):
        assert refusal(url) == "private", url
    assert web.paths() == []  # nothing reached the server


def test_the_setting_allows_private_addresses(web):
    web.page("/page", article("Local", "intranet text"))
    page = fetch(web.url("/page"), FetchRules(allow_private=True))
    assert "intranet text" in extract(page.body).text
    assert not page.cut


def test_only_http_and_https(web):
    assert refusal("file:///etc/passwd") == "scheme"
    assert refusal("ftp://example.org/x") == "scheme"
    assert refusal("gopher://example.org/") == "scheme"


def test_a_redirect_to_a_private_address_is_refused(web):
    """The page is on a public address; its redirect points inside: not followed."""
    web.redirect("/moved", f"http://127.0.0.1:{web.port}/secret")
    web.page("/secret", article("Secret", "internal admin page"))
    nat = PublicNat(web.port)
    reason = refusal(
        "http://news.test/moved", FetchRules(), resolver=public_names("news.test"), transport=nat
    )
    assert reason == "private"
    assert web.paths() == ["/moved"]  # /secret was never requested


def test_redirects_between_public_pages_are_followed_and_each_is_checked(web):
    web.redirect("/old", "http://other.test/new", 301)
    web.page("/new", article("New home", "the article moved here"))
    nat = PublicNat(web.port)
    page = fetch(
        "http://news.test/old",
        FetchRules(),
        resolver=public_names("news.test", "other.test"),
        transport=nat,
    )
    assert page.url == "http://other.test/new"
    assert "the article moved here" in extract(page.body).text
    # Connected to the checked address, with the name as the Host header.
    assert nat.connected == [PUBLIC_IP, PUBLIC_IP]
    assert [s.headers["Host"] for s in web.seen] == ["news.test", "other.test"]


def test_a_name_that_also_resolves_to_a_private_address_is_refused(web):
    nat = PublicNat(web.port)
    resolver = public_names("mixed.test", also=("10.0.0.1",))
    assert (
        refusal("http://mixed.test/", FetchRules(), resolver=resolver, transport=nat) == "private"
    )


def test_redirect_loops_stop(web):
    web.redirect("/loop", "/loop")
    rules = FetchRules(allow_private=True, max_redirects=3)
    assert refusal(web.url("/loop"), rules) == "redirects"
    assert len(web.seen) == 4  # the first request and three redirects


def test_a_huge_page_is_cut_at_the_size_cap(web):
    paragraph = b"<p>" + b"word " * 2000 + b"</p>"
    web.routes["/huge"] = lambda _r: (200, {"Content-Type": "text/html"}, [paragraph] * 400)
    page = fetch(web.url("/huge"), FetchRules(allow_private=True, max_bytes=64 * 1024))
    assert page.cut
    assert 60 * 1024 <= len(page.body.encode()) <= 64 * 1024


def test_a_slow_page_is_cut_at_the_time_cap_and_keeps_what_arrived(web):
    web.routes["/slow"] = lambda _r: (
        200,
        {"Content-Type": "text/html"},
        [b"<p>The first part arrived quickly.</p>", 5.0, b"<p>This came too late.</p>"],
    )
    page = fetch(web.url("/slow"), FetchRules(allow_private=True, timeout_s=0.5))
    assert page.cut
    text = extract(page.body).text
    assert "first part arrived" in text and "too late" not in text


def test_a_page_with_nothing_before_the_time_cap_is_skipped(web):
    web.routes["/silent"] = lambda _r: (200, {"Content-Type": "text/html"}, [5.0, b"<p>x</p>"])
    assert refusal(web.url("/silent"), FetchRules(allow_private=True, timeout_s=0.3)) == "timeout"


def test_pages_that_are_not_text_are_skipped(web):
    web.page("/image", "\x89PNG", content_type="image/png")
    web.routes["/gone"] = lambda _r: (404, {}, [b"gone"])
    rules = FetchRules(allow_private=True)
    assert refusal(web.url("/image"), rules) == "type"
    assert refusal(web.url("/gone"), rules) == "status"


def test_extraction_keeps_the_article_and_drops_menus_scripts_and_footers():
    html = article("Title here", "The article's own sentence. " * 20)
    extracted = extract(html)
    assert extracted.title == "Title here"
    assert "article's own sentence" in extracted.text
    for boilerplate in ("Home", "About", "track()", "Copyright"):
        assert boilerplate not in extracted.text


def test_endless_nesting_is_extracted_quickly():
    html = "<div>" * 200_000 + "deep text" + "</span>" * 200_000
    started = time.monotonic()
    assert extract(html).text == "deep text"
    assert time.monotonic() - started < 15  # without the depth cap: hours


def tls_web(tmp_path, name: str):
    """The fake web over HTTPS with a self-signed certificate for `name`, and an
    SSL context that trusts it (as a browser trusts a real CA)."""
    import datetime as dt
    import ssl

    # cryptography comes with Authlib (requirements.txt): a missing one is a
    # broken install, which should fail here rather than skip quietly.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    client_side = ssl.create_default_context(cafile=str(cert_file))
    fake = FakeWeb()
    fake.start()
    fake._server.socket = server_side.wrap_socket(fake._server.socket, server_side=True)
    return fake, client_side


def test_https_to_the_checked_address_still_checks_the_certificate_against_the_name(tmp_path):
    """Pinned to an IP, the TLS server name (and so the certificate check) stays the host's."""
    import httpx2 as httpx

    web, trust = tls_web(tmp_path, "news.test")
    try:
        web.page("/page", article("Secure", "served over TLS"))
        resolver = public_names("news.test", "evil.test")
        nat = PublicNat(web.port)
        nat.inner = httpx.AsyncHTTPTransport(verify=trust)
        page = fetch("https://news.test/page", FetchRules(), resolver=resolver, transport=nat)
        assert "served over TLS" in extract(page.body).text
        assert nat.connected == [PUBLIC_IP]
        # Another name on the same address: the certificate does not match, nothing is read.
        nat = PublicNat(web.port)
        nat.inner = httpx.AsyncHTTPTransport(verify=trust)
        reason = refusal("https://evil.test/page", FetchRules(), resolver=resolver, transport=nat)
        assert reason == "connection"
    finally:
        web.stop()
