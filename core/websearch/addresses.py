"""Which addresses a page may be fetched from.

A search result is a URL anyone could have planted, so a fetch must not
become a way into the server's own network: loopback, private ranges,
link-local (where cloud metadata services live, 169.254.169.254 and
fd00:ec2::254), carrier-grade NAT, multicast, reserved and unspecified
addresses are refused, in IPv4, IPv6, and IPv4 written inside IPv6
(::ffff:127.0.0.1, 6to4, Teredo, NAT64). The check is made on the addresses
the name resolves to, not on the name, and again for every redirect.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Named here because `is_private` does not cover all of them on every Python.
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (shared address space)
        "169.254.0.0/16",  # link-local: cloud metadata (169.254.169.254)
        "192.0.0.0/24",  # IETF protocol assignments (includes 192.0.0.192 Oracle metadata)
        "198.18.0.0/15",  # benchmarking
        "fd00:ec2::/32",  # AWS metadata over IPv6 (inside fc00::/7 too)
    )
)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether a page may be fetched from `address` without allow_private_urls."""
    inner = embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    if (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    ):
        return False
    return not any(address in network for network in _REFUSED_NETWORKS)
