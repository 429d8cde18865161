"""Which addresses a web search may fetch a page from (core/websearch/addresses.py).

A result's URL is anyone's to plant; each address here is one a fetch must
never reach without `allow_private_urls`: the server itself, its network,
cloud metadata, and the same addresses written inside IPv6. The fetcher
applies this to every address a name resolves to (tests/test_web_fetch.py).
"""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from core.websearch.addresses import embedded_ipv4, is_public
from core.websearch.fetch import FetchRules, PageFetcher, PageRefused

REFUSED = {
    "127.0.0.1": "loopback",
    "10.1.2.3": "private network",
    "172.16.0.1": "private network",
    "192.168.1.1": "home router",
    "169.254.169.254": "cloud metadata (AWS, GCP, Azure)",
    "192.0.0.192": "Oracle cloud metadata",
    "100.64.0.1": "carrier-grade NAT",
    "0.0.0.0": "unspecified: reaches the host itself on Linux",
    "0.1.2.3": "'this network'",
    "198.18.0.1": "benchmarking",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "::1": "IPv6 loopback",
    "::": "IPv6 unspecified",
    "fe80::1": "IPv6 link-local",
    "fc00::1": "IPv6 unique local",
    "fd00:ec2::254": "AWS metadata over IPv6",
    "fec0::1": "IPv6 site-local (deprecated, still routed inside some sites)",
    "ff02::1": "IPv6 multicast",
    "::ffff:127.0.0.1": "IPv4 loopback mapped into IPv6",
    "::ffff:169.254.169.254": "metadata mapped into IPv6",
    "2002:7f00:1::": "6to4 carrying 127.0.0.1",
    "2002:a9fe:a9fe::": "6to4 carrying 169.254.169.254",
    "2002:c0a8:101::": "6to4 carrying 192.168.1.1",
    "64:ff9b::7f00:1": "NAT64 carrying 127.0.0.1",
}

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1111", "2002:808:808::"]


@pytest.mark.parametrize("address", list(REFUSED), ids=list(REFUSED.values()))
def test_addresses_inside_or_of_the_server_are_refused(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    # 2002:808:808:: is 6to4 carrying 8.8.8.8: the prefix alone is no reason to refuse.
    assert is_public(ipaddress.ip_address(address))


def test_the_ipv4_inside_an_ipv6_address_is_found():
    def inner(address: str) -> str | None:
        found = embedded_ipv4(ipaddress.ip_address(address))
        return str(found) if found else None

    assert inner("::ffff:10.0.0.1") == "10.0.0.1"  # mapped
    assert inner("2002:0a00:0001::") == "10.0.0.1"  # 6to4
    assert inner("2001:0:4136:e378:8000:63bf:f5ff:fffe") == "10.0.0.1"  # Teredo client
    assert inner("64:ff9b::a00:1") == "10.0.0.1"  # NAT64
    assert inner("2606:4700::1111") is None
    assert inner("10.0.0.1") is None


def test_a_name_resolving_to_an_address_written_inside_ipv6_is_not_fetched():
    """Through the real fetcher: no connection is even tried."""

    async def resolve(host: str, port: int) -> list[str]:
        return ["2002:7f00:1::"]

    async def fetch() -> None:
        async with PageFetcher(FetchRules(), resolver=resolve) as fetcher:
            await fetcher.fetch("http://innocent.example/page")

    with pytest.raises(PageRefused) as refused:
        asyncio.run(fetch())
    assert refused.value.reason == "private"
