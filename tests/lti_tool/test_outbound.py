"""Outbound HTTP for platform-chosen URLs reaches only public addresses unless allowed."""

import pytest
import requests

from lti_tool.outbound import guarded_session, is_public, refused
from tests.support.loopback import JsonEndpoint


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "192.0.2.10",
    ],
)
def test_internal_and_reserved_addresses_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(address):
    assert is_public(address)


def test_a_loopback_server_is_never_connected_to_by_default():
    with JsonEndpoint({"secret": "internal"}) as internal:
        for url in (internal.url, internal.url.replace("127.0.0.1", "localhost")):
            with pytest.raises(requests.ConnectionError) as caught:
                guarded_session().get(url, timeout=2)
            assert refused(caught.value)
        assert internal.hits == 0


def test_the_development_setting_allows_loopback():
    with JsonEndpoint({"ok": True}) as local:
        assert guarded_session(allow_private=True).get(local.url, timeout=2).json() == {"ok": True}


def test_proxy_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert guarded_session().trust_env is False
