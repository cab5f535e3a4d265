"""Where deauthorize callbacks may go: the egress policy, ``--callback-allowed-hosts``.

An app owner chooses the callback URL, and the server sends a request there. Without a policy
that makes the sender a request-forgery tool against the server's own network (SSRF): cloud
metadata at 169.254.169.254, databases on 10.x, admin ports on loopback — and the delivery log
would tell the owner what answered. So by default only **public** addresses are allowed; the
setting, a comma-separated list in the spirit of Gitea's webhook ``ALLOWED_HOST_LIST``, adds to
that: ``loopback``, ``private`` (RFC 1918, ULA fc00::/7, CGNAT 100.64.0.0/10), CIDRs, host names
(``name`` or ``*.suffix``), or ``*`` for everything. Link-local (cloud metadata), unspecified,
multicast and reserved addresses are never allowed by a keyword, only by ``*`` or a CIDR.

The check is made on the addresses the host resolves to, however the URL spells them
(``2130706433``, ``0x7f000001``, ``127.1``, ``0``, ``[::ffff:127.0.0.1]``): the resolver turns
every spelling into the address a socket would reach, and the sender then connects to exactly
that checked address (see ``sender``), so a DNS answer that changes in between cannot matter.
"""

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

from connectapps import config

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

PUBLIC = "public"
LOOPBACK = "loopback"
PRIVATE = "private"
LINK_LOCAL = "link-local"
UNSPECIFIED = "unspecified"
MULTICAST = "multicast"
RESERVED = "reserved"
KEYWORDS = (LOOPBACK, PRIVATE)  # the kinds a keyword may allow; ``public`` is always allowed
EVERYTHING = "*"


def _networks(*cidrs: str) -> tuple[Network, ...]:
    return tuple(ip_network(c) for c in cidrs)


# First match wins; anything not listed is public only if Python's ``is_global`` agrees.
_KINDS: tuple[tuple[str, tuple[Network, ...]], ...] = (
    (UNSPECIFIED, _networks("0.0.0.0/8", "::/128")),
    (LOOPBACK, _networks("127.0.0.0/8", "::1/128")),
    (LINK_LOCAL, _networks("169.254.0.0/16", "fe80::/10")),
    (MULTICAST, _networks("224.0.0.0/4", "ff00::/8")),
    (PRIVATE, _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")),
)
_NAT64 = _networks("64:ff9b::/96", "64:ff9b:1::/48")


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address a NAT64 or 6to4 address leads to, if it is one (DNS64 gives IPv6-only
    hosts such addresses for every IPv4-only site, so they follow the address they embed)."""
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _NAT64):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def unwrap(address: Address) -> Address:
    """An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) is the IPv4 address it maps."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def kind(address: Address) -> str:
    """What sort of destination an address is: public, loopback, private, link-local, …"""
    address = unwrap(address)
    for name, networks in _KINDS:
        if any(address in net for net in networks):
            return name
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return PUBLIC if kind(embedded) == PUBLIC else RESERVED
        if address.is_site_local or address.teredo is not None:
            return RESERVED
    if address.is_reserved or not address.is_global:
        return RESERVED
    return PUBLIC


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


@dataclass(frozen=True)
class Policy:
    """Which destinations callbacks may reach besides public addresses."""

    kinds: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()
    names: tuple[str, ...] = ()  # exact host names, or "*.suffix"
    everything: bool = False

    @classmethod
    def parse(cls, text: str | None) -> "Policy":
        """The setting's comma-separated entries; a ValueError names the entry it cannot read."""
        kinds: set[str] = set()
        networks: list[Network] = []
        names: list[str] = []
        everything = False
        for raw in (text or "").split(","):
            entry = normalise_host(raw)
            if not entry or entry in (PUBLIC, "external"):
                continue
            if entry == EVERYTHING:
                everything = True
            elif entry in KEYWORDS:
                kinds.add(entry)
            elif _is_network(entry):
                networks.append(ip_network(entry, strict=False))
            elif _is_host_pattern(entry):
                names.append(entry)
            else:
                raise ValueError(
                    f"{config.CALLBACK_ALLOWED_HOSTS_ENV}: cannot read {raw.strip()!r}: expected loopback, "
                    "private, *, a CIDR such as 10.1.0.0/16, or a host name such as hooks.example.com or "
                    "*.example.com"
                )
        return cls(frozenset(kinds), tuple(networks), tuple(names), everything)

    @classmethod
    def from_env(cls) -> "Policy":
        return cls.parse(config.callback_allowed_hosts())

    def allows_name(self, host: str) -> bool:
        """Whether the URL's host is allowed by name, whatever it resolves to."""
        host = normalise_host(host)
        return self.everything or any(
            host == name or (name.startswith("*.") and host.endswith(name[1:])) for name in self.names
        )

    def allows_address(self, address: Address) -> bool:
        if self.everything:
            return True
        if any(a in net for net in self.networks for a in {address, unwrap(address)} if a.version == net.version):
            return True
        found = kind(address)
        return found == PUBLIC or found in self.kinds

    def describe(self) -> str:
        """For the start-up line: what callbacks may reach."""
        if self.everything:
            return "any destination (*)"
        extra = [*sorted(self.kinds), *(str(n) for n in self.networks)]
        if self.names:
            extra.append(f"host names {' '.join(self.names)}")
        return "public addresses" + (f" and {', '.join(extra)}" if extra else " only")


def _is_network(entry: str) -> bool:
    try:
        ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


def _is_host_pattern(entry: str) -> bool:
    name = entry[2:] if entry.startswith("*.") else entry
    labels = name.split(".")
    return bool(name) and all(
        0 < len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii() for label in labels
    )

