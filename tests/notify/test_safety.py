"""Webhook URL safety: SSRF refusals, the Host header of a pinned request, which URLs
need DNS to be checked."""

from __future__ import annotations

import socket
import uuid

import pytest

from registry.notify.safety import (
    ResolvedTarget,
    UnsafeUrl,
    _parsed,
    check_url,
    dns_name,
    host_header,
)


def resolver(*addresses: str):
    """A stand-in for socket.getaddrinfo answering every name with `addresses`."""

    def resolve(host: str, port: int) -> list:
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return resolve


PUBLIC = resolver("93.184.216.34")

REFUSED = [
    ("https://169.254.169.254/latest/meta-data", PUBLIC, "cloud metadata"),
    ("https://10.0.0.1/hook", PUBLIC, "private"),
    ("https://127.0.0.1/", PUBLIC, "loopback"),
    ("https://[::1]/", PUBLIC, "loopback"),
    ("https://[fe80::1]/", PUBLIC, "link-local"),
    ("https://[::ffff:10.0.0.1]/", PUBLIC, "private"),
    ("https://[fd00:ec2::254]/", PUBLIC, "cloud metadata"),
    ("https://100.100.100.200/", PUBLIC, "cloud metadata"),
    ("https://100.64.0.1/", PUBLIC, "carrier-grade NAT"),
    ("https://0.0.0.0/", PUBLIC, "unspecified"),
    ("https://[ff02::1]/", PUBLIC, "multicast"),
    ("https://localhost/", PUBLIC, "loopback name"),
    ("https://api.LOCALHOST./", PUBLIC, "loopback name"),
    ("https://metadata.google.internal/", PUBLIC, "cloud metadata"),
    ("https://hooks.example", resolver("192.168.1.5"), "private"),
    ("https://hooks.example", resolver("93.184.216.34", "10.1.2.3"), "private"),
    ("https://hooks.example", resolver("2002:7f00:1::1"), "loopback"),
    ("http://hooks.example", PUBLIC, "https"),
    ("https://user:pw@hooks.example", PUBLIC, "user name or password"),
    ("ftp://hooks.example", PUBLIC, "https"),
    ("https:///nohost", PUBLIC, "no host"),
    ("https://hooks.example:0/", PUBLIC, "port"),
    ("https://hooks.example:70000/", PUBLIC, "port"),
    ("https://[::1/", PUBLIC, "malformed"),
    ("https://nowhere.example/", resolver(), "does not resolve"),
    # Addresses spelled with characters IDNA maps to digits and dots are addresses:
    # refused as such, whatever DNS would say of them as names.
    ("https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", PUBLIC, "loopback"),
    ("https://127\u30020\u30020\u30021/", PUBLIC, "loopback"),
    ("https://\uff11\uff16\uff19.\uff12\uff15\uff14.\uff11\uff16\uff19.\uff12\uff15\uff14/",
     PUBLIC, "cloud metadata"),
]


@pytest.mark.parametrize(("url", "resolve", "reason"), REFUSED)
def test_refused(url, resolve, reason):
    with pytest.raises(UnsafeUrl, match=reason) as refused:
        check_url(url, allow_private=False, allow_http=False, resolve=resolve)
    assert "pw" not in str(refused.value)


def test_public_name_accepted():
    target = check_url(
        "https://hooks.example/registry?x=1#frag",
        allow_private=False,
        allow_http=False,
        resolve=resolver("93.184.216.34", "93.184.216.34"),
    )
    assert target == ResolvedTarget(
        url="https://hooks.example/registry?x=1#frag",
        scheme="https",
        host="hooks.example",
        port=443,
        path_and_query="/registry?x=1",
        addresses=("93.184.216.34",),
    )


def test_public_ipv6_literal_accepted_without_resolving():
    target = check_url(
        "https://[2606:2800:220:1::1]/", allow_private=False, allow_http=False, resolve=resolver()
    )
    assert target.addresses == ("2606:2800:220:1::1",)


def test_allow_private_keeps_only_scheme_userinfo_and_port_checks():
    target = check_url("http://127.0.0.1:8123/hook", allow_private=True, allow_http=True)
    assert (target.scheme, target.port, target.addresses) == ("http", 8123, ("127.0.0.1",))
    with pytest.raises(UnsafeUrl, match="https"):
        check_url("http://127.0.0.1:8123/hook", allow_private=True, allow_http=False)
    with pytest.raises(UnsafeUrl, match="password"):
        check_url("https://a:b@127.0.0.1/", allow_private=True, allow_http=False)


def test_host_header_names_the_host_not_the_checked_address():
    target = ResolvedTarget(
        "https://hooks.example/a?b=1", "https", "hooks.example", 443, "/a?b=1", ("93.184.216.34",)
    )
    assert host_header(target) == "hooks.example"


def test_host_header_keeps_a_port_that_is_not_the_schemes():
    target = ResolvedTarget(
        "https://hooks.example:8443/", "https", "hooks.example", 8443, "/", ("2606:2800:220:1::1",)
    )
    assert host_header(target) == "hooks.example:8443"
    plain = ResolvedTarget("http://h.test:80/", "http", "h.test", 80, "/", ("127.0.0.1",))
    assert host_header(plain) == "h.test"


def test_host_header_of_an_ipv6_literal_is_bracketed():
    target = check_url("https://[2606:2800:220:1::1]:8443/", allow_private=False,
                       allow_http=False)
    assert host_header(target) == "[2606:2800:220:1::1]:8443"


@pytest.mark.parametrize(("url", "name"), [
    ("https://Hooks.Example.com./x", "hooks.example.com"),
    ("https://203.0.113.7/x", None),
    ("https://[2606:2800:220:1::1]:8443/", None),
    ("not a url", None),  # its check fails without asking DNS
    ("https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", None),  # an address in full-width
    ("https://B\u00fccher.example/", "xn--bcher-kva.example"),
    ("https://a..b/", None),  # an empty label: refused at once
])
def test_only_a_host_name_needs_dns(url, name):
    assert dns_name(url, allow_private=False, allow_http=False) == name


def test_a_url_refused_without_dns_needs_no_dns():
    assert dns_name("http://hooks.example/", allow_private=False, allow_http=False) is None
    assert dns_name("http://hooks.example/", allow_private=False,
                    allow_http=True) == "hooks.example"
    assert dns_name("https://localhost/", allow_private=False, allow_http=False) is None
    assert dns_name("https://localhost/", allow_private=True, allow_http=False) == "localhost"


def test_asking_for_dns_and_checking_share_one_cache_entry_per_url():
    # A fan-out asks both for every URL: two entries a URL would fit half as many URLs,
    # and a fan-out larger than the cache misses on every one.
    url = f"https://{uuid.uuid4().hex}.example/hook"
    before = _parsed.cache_info().currsize
    assert dns_name(url, allow_private=False, allow_http=False) is not None
    check_url(url, allow_private=False, allow_http=False, resolve=PUBLIC)
    assert _parsed.cache_info().currsize == before + 1


@pytest.mark.parametrize("url,resolve", [
    ("https://169.254.169.254/latest", None),
    ("https://[::ffff:169.254.169.254]/", None),
    ("https://metadata.google.internal/", None),
    ("https://sneaky.example/", resolver("169.254.169.254")),
])
def test_metadata_is_refused_even_when_private_targets_are_allowed(url, resolve):
    kwargs = {"resolve": resolve} if resolve else {}
    with pytest.raises(UnsafeUrl, match="metadata"):
        check_url(url, allow_private=True, allow_http=True, **kwargs)
