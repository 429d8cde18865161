"""Which address a request comes from, for the per-address sign-in and sign-up limits.

`X-Forwarded-For` is a header anyone can send. It is believed only when the
direct peer (the TCP connection's address) is one of the configured trusted
proxies (TRUSTED_PROXIES), and then only as far as it was written by trusted
proxies: the header is read from the right, skipping every trusted hop, and
the first address that is not a trusted proxy is the client. Whatever a
client wrote itself sits to the left of that and is never reached.

IPv6 clients are counted by their /64 network: one home or one cloud machine
is normally given a whole /64, so counting single addresses would let it
rotate through billions of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address
# Streamlit reports a peer on 127.0.0.1 or ::1 as "no address" (st.context.ip_address).
LOOPBACK = ip_address("127.0.0.1")


def parse_address(text: str | None) -> Address | None:
    """An IP address from a header or a peer, or None when it is not one."""
    text = (text or "").strip().strip('"')
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:5678"
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[Network]
) -> Address | None:
    """The client's address.

    `peer` is the connection's address (None: loopback, as Streamlit reports
    it), `forwarded_for` every X-Forwarded-For header in the order received.
    """
    address = parse_address(peer) if peer else LOOPBACK
    if address is None:
        return None
    if not is_trusted(address, proxies):
        return address
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        previous, address = address, parse_address(hop)
        if address is None:  # a garbled entry: the last trusted hop is all we know
            return previous
        if not is_trusted(address, proxies):
            return address
    return address


def limit_key(address: Address | None) -> str | None:
    """What per-address limits count by: the IPv4 address, or the IPv6 /64; None for
    a loopback peer with no trusted proxy in front (a developer's own machine)."""
    if address is None or address.is_loopback:
        return None
    if isinstance(address, IPv6Address):
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)
