"""The client address recorded in the audit log and used for login throttling (§10.9)."""

from django.test import RequestFactory

from skillcert.core.context import client_ip_from_request


def test_without_proxies_the_address_is_remote_addr_and_headers_are_ignored(settings):
    settings.SKILLCERT_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip_from_request(request) == "203.0.113.5"


def test_behind_one_balancer_the_rightmost_forwarded_address_is_used(settings):
    settings.SKILLCERT_TRUSTED_PROXY_COUNT = 1
    # A client forging X-Forwarded-For cannot choose the address: the balancer appends the real one.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip_from_request(request) == "198.51.100.7"


def test_garbage_addresses_are_dropped(settings):
    settings.SKILLCERT_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip_from_request(request) is None
