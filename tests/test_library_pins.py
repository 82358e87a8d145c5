# -*- coding: utf-8 -*-
"""The transport relies on a few library hooks; each test here fails when requests or urllib3 stops
calling one the way the node relies on it (CI runs these on urllib3 2 and on 1.26 / requests 2.25)."""

import pytest
import trustme
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection

from rawserver import ok, serving, tls_context
from support import shown, SANDBOX, BrazeUserTrack, app, load_module

wire = load_module('actions.braze_wire')
sockets = load_module('actions.braze_sockets')
answers = load_module('actions.braze_answers')
retry = load_module('actions.braze_retry')
BODY = {'external_id': 'u', 'attributes': {'plan': 'pro'}}


def answer_once(server, conn):
    if server.read(conn)[0] is not None:
        conn.sendall(ok())


def call_node(monkeypatch, url, **settings):
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': dict({'braze_url': url, 'braze_api_key': 'pin-test-key-0123456789'},
                                                        **settings)})
    return BrazeUserTrack().execute(lambda line: None, dict(BODY), dict(SANDBOX))


def spy(monkeypatch, owner, name, calls):
    original = getattr(owner, name)

    def recorded(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, recorded)


def test_urllib3_opens_connections_through_our_new_conn_with_its_dns_host(monkeypatch):
    """_new_conn and _dns_host are urllib3 internals: the deadline-keeping connect depends on both."""
    assert HTTPConnection('rest.iad-01.braze.com', 443)._dns_host == 'rest.iad-01.braze.com'
    seen = []
    original = sockets.resolve
    monkeypatch.setattr(sockets, 'resolve', lambda host, port, left: seen.append(host) or original(host, port, left))
    wire._ADAPTERS.clear()
    with serving(answer_once) as server:
        assert shown(call_node(monkeypatch, server.url)) == {'success': 'true'}
    assert seen == ['127.0.0.1']  # the connect went through BoundedHTTPConnection._new_conn


def test_every_adapter_hook_the_node_overrides_is_called_by_requests(monkeypatch):
    calls = []
    for name in ('init_poolmanager', 'cert_verify', 'request_url', 'build_response'):
        spy(monkeypatch, wire.BrazeAdapter, name, calls)
    if hasattr(HTTPAdapter, 'build_connection_pool_key_attributes'):  # requests >= 2.32.2
        spy(monkeypatch, wire.BrazeAdapter, 'build_connection_pool_key_attributes', calls)
    wire._ADAPTERS.clear()
    ca = trustme.CA()
    with serving(answer_once, tls_context(ca, '127.0.0.1')) as server, ca.cert_pem.tempfile() as ca_file:
        assert shown(call_node(monkeypatch, server.url, braze_ca_bundle=ca_file)) == {'success': 'true'}
    wire._ADAPTERS.clear()
    expected = {'init_poolmanager', 'cert_verify', 'request_url', 'build_response'}
    if hasattr(HTTPAdapter, 'build_connection_pool_key_attributes'):
        expected.add('build_connection_pool_key_attributes')
    assert expected <= set(calls), calls


def test_the_tls_context_is_handed_the_host_to_verify(monkeypatch):
    """urllib3 1.26 wraps a socket to an IP literal without server_hostname; the context fills it."""
    names = []
    original = sockets.BoundedContext.wrap_socket

    def recorded(self, sock, *args, **kwargs):
        result = original(self, sock, *args, **kwargs)
        names.append(result.server_hostname)
        return result
    monkeypatch.setattr(sockets.BoundedContext, 'wrap_socket', recorded)
    wire._ADAPTERS.clear()
    ca = trustme.CA()
    with serving(answer_once, tls_context(ca, '127.0.0.1')) as server, ca.cert_pem.tempfile() as ca_file:
        assert shown(call_node(monkeypatch, server.url, braze_ca_bundle=ca_file)) == {'success': 'true'}
    wire._ADAPTERS.clear()
    assert names == ['127.0.0.1']


@pytest.mark.parametrize('certificate, sent, ending', [
    (True, False, retry.DONE), (True, True, retry.DONE), (False, True, retry.AMBIGUOUS), (False, False, retry.NOT_SENT)])
def test_a_failed_attempt_ends_as_what_braze_may_hold(certificate, sent, ending):
    failure = wire.WireError('unavailable', 'the words', sent=sent, certificate=certificate)
    assert answers.unanswered(failure) == answers.verdict(ending, 'unavailable', None, 'the words')


def test_the_tls_context_is_a_client_context():
    # PROTOCOL_TLS_CLIENT: client side only, with the host checked (Python's own defaults for it);
    # SSLContext() without a protocol is deprecated and would be a server-capable context.
    import ssl
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        context = wire._ssl_context(None)
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
