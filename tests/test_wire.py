# -*- coding: utf-8 -*-
"""The wire against real sockets: what was sent when a connection breaks, the deadline under
slow names, unreachable addresses and dripped bytes, bounded answers, TLS, cookies, reuse."""
import contextlib
import gzip
import os
import socket
import threading
import time
import tracemalloc
import zlib

import pytest
import requests
import trustme
import urllib3

import certs
from rawserver import ok, serving, tls_context
from support import shown, SANDBOX, SEED_PAYLOAD, BrazeUserTrack, app, free_port, load_module

wire = load_module('actions.braze_wire')
URLLIB3_MAJOR = int(urllib3.__version__.split('.')[0])
EVENT = {'external_id': 'u', 'events': [{'name': 'chat_completed'}]}
ATTRIBUTES = {'external_id': 'u', 'attributes': {'plan': 'pro'}}


@pytest.fixture(scope='module')
def ca():
    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / 'ca.pem'
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def point(monkeypatch):
    """point(url, **settings): app.PARAMS at ``url`` for this test."""
    def configure(url, **settings):
        block = dict({'braze_url': url, 'braze_api_key': 'wire-test-key-0123456789', 'braze_deadline': '2',
                      'braze_read_timeout': '1', 'braze_connect_timeout': '1'}, **settings)
        monkeypatch.setattr(app, 'PARAMS', {'sandbox': block})
        return block
    return configure


def run(payload=None, node=None):
    lines = []
    started = time.monotonic()
    result = (node or BrazeUserTrack()).execute(lines.append, payload or dict(EVENT), dict(SANDBOX))
    return result, time.monotonic() - started, lines


# --- what was sent when the connection breaks (issue: events counted three times) --------

def test_a_tls_record_error_after_the_body_was_sent_is_ambiguous_and_not_resent(ca, ca_file, point):
    def answer_then_break_the_tls_layer(server, conn):
        server.read(conn)
        os.write(conn.fileno(), b'\x17\x03\x03\x00\x20' + b'\x00' * 32)  # a record that fails its MAC

    with serving(answer_then_break_the_tls_layer, tls_context(ca, '127.0.0.1')) as server:
        point(server.url, braze_ca_bundle=ca_file)
        result, _, lines = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(server.requests) == 1  # Braze had it once; it was not sent again
    assert 'not resent' in lines[-1]


def test_a_certificate_from_an_unknown_ca_is_refused_before_anything_is_sent(ca, point):
    with serving(lambda server, conn: server.read(conn), tls_context(ca, '127.0.0.1')) as server:
        point(server.url)  # no braze_ca_bundle: only the public trust store
        result, _, lines = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert server.requests == []
    assert lines[-1].endswith('attempts=1 elapsed_ms={}: the TLS certificate check failed'.format(
        lines[-1].split('elapsed_ms=')[1].split(':')[0]))  # retrying cannot help


def test_a_certificate_for_another_host_is_refused(ca, ca_file, point):
    with serving(lambda server, conn: server.read(conn), tls_context(ca, 'rest.iad-01.braze.com')) as server:
        point(server.url, braze_ca_bundle=ca_file)
        result, _, _ = run()
    assert result['BRAZE_ERROR'] == 'unavailable' and server.requests == []


@pytest.mark.parametrize('certified, accepted', [('other.braze.com', True), ('rest.iad-01.braze.com', False)])
def test_host_names_are_checked_against_the_certificate(ca, ca_file, point, monkeypatch, certified, accepted):
    def answer(server, conn):
        server.read(conn)
        conn.sendall(ok())

    with serving(answer, tls_context(ca, certified)) as server:
        original = socket.getaddrinfo
        monkeypatch.setattr(socket, 'getaddrinfo', lambda host, port, *a, **k: original(
            '127.0.0.1' if host == 'other.braze.com' else host, port, *a, **k))
        point('https://other.braze.com:{}'.format(server.port), braze_ca_bundle=ca_file)
        result, _, _ = run(dict(ATTRIBUTES))
    assert (shown(result) == {"success": "true"}) is accepted
    assert len(server.requests) == (1 if accepted else 0)


# name in the URL, (common name, DNS SANs, IP SANs) of the certificate, accepted by strict verification.
CERTIFICATES = {
    'san': ('rest.iad-01.braze.com', ('x', ('rest.iad-01.braze.com',), ()), True),
    'cn-only': ('rest.iad-01.braze.com', ('rest.iad-01.braze.com', (), ()), False),
    'wildcard': ('rest.iad-01.braze.com', ('x', ('*.iad-01.braze.com',), ()), True),
    'partial-wildcard': ('rest.iad-01.braze.com', ('x', ('r*.iad-01.braze.com',), ()), False),
    'two-level-wildcard': ('rest.iad-01.braze.com', ('x', ('*.braze.com',), ()), False),
    'other-host': ('rest.iad-01.braze.com', ('x', ('rest.fra-01.braze.eu',), ()), False),
    'ip-san': ('127.0.0.1', ('x', (), ('127.0.0.1',)), True),
    'ip-cn-only': ('127.0.0.1', ('127.0.0.1', (), ()), False),
    'ip-as-dns-name': ('127.0.0.1', ('x', ('127.0.0.1',), ()), False),
}


@pytest.mark.parametrize('case', sorted(CERTIFICATES))
def test_certificates_are_judged_exactly_as_requests_verify_judges_them(case, point, monkeypatch, tmp_path):
    """A table against requests.post(verify=...) on the same certificate: the node sends the key to
    exactly the servers strict verification accepts, and a refusal is final (one attempt)."""
    host, (common_name, dns, ips), accepted = CERTIFICATES[case]
    ca = certs.SigningCA()
    ca_file = ca.write(tmp_path / 'ca.pem')

    def answer(server, conn):
        if server.read(conn)[0] is not None:
            conn.sendall(ok())

    original = socket.getaddrinfo
    monkeypatch.setattr(socket, 'getaddrinfo', lambda name, port, *a, **k: original(
        '127.0.0.1' if name == host else name, port, *a, **k))
    with serving(answer, ca.server_context(tmp_path, common_name, dns, ips)) as server:
        url = 'https://{}:{}'.format(host, server.port)
        try:
            requests.post(url + '/users/track', data=b'{}', verify=ca_file, timeout=2)
            strict = True
        except requests.exceptions.SSLError:
            strict = False
        before = len(server.requests)
        point(url, braze_ca_bundle=ca_file, braze_max_attempts='3')
        result, _, lines = run(dict(ATTRIBUTES))
        by_node = len(server.requests) - before
    if URLLIB3_MAJOR >= 2:
        assert strict is accepted  # the table itself agrees with requests
    else:  # urllib3 1.26 matches names itself, with a common-name fallback and partial wildcards: the node does not
        assert strict is (accepted or case in ('cn-only', 'ip-cn-only', 'partial-wildcard'))
    assert (shown(result) == {"success": "true"}) is accepted
    assert by_node == (1 if accepted else 0)  # the key reached only an accepted server
    if not accepted:
        assert 'certificate check failed' in lines[-1] and 'attempts=1' in lines[-1]


def test_the_trust_store_is_loaded_once_and_the_bundle_adds_to_the_public_one(ca, ca_file, point, monkeypatch):
    monkeypatch.setattr(wire, '_ADAPTERS', {})
    loads = []
    original = wire.ssl.SSLContext.load_verify_locations
    monkeypatch.setattr(wire.ssl.SSLContext, 'load_verify_locations',
                        lambda self, *a, **k: loads.append(a or k) or original(self, *a, **k))

    def answer_and_close(server, conn):
        server.read(conn)
        conn.sendall(ok(extra=b'Connection: close\r\n'))

    with serving(answer_and_close, tls_context(ca, '127.0.0.1')) as server:
        point(server.url, braze_ca_bundle=ca_file)
        results = [run(dict(ATTRIBUTES))[0] for _ in range(3)]
    assert [shown(result) for result in results] == [{'success': 'true'}] * 3
    assert server.connections == 3      # three new TLS connections ...
    assert len(loads) == 2              # ... and the public store and the bundle were each loaded once
    context = next(iter(wire._ADAPTERS.values()))._ssl_context
    assert len(context.get_ca_certs()) > 50  # the public store is still there, the bundle added to it


# --- the deadline under network conditions -----------------------------------------------

@contextlib.contextmanager
def unanswered_listeners(count):
    """Listeners whose backlog is full: a connect to them is never answered."""
    sockets = []
    for _ in range(count):
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen(0)
        sockets.append(server)
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(server.getsockname())
            sockets.append(filler)
    try:
        yield [s.getsockname() for s in sockets[::4]]
    finally:
        for sock in sockets:
            sock.close()


def test_a_slow_name_server_cannot_hold_the_call_past_its_deadline(point, monkeypatch):
    original = socket.getaddrinfo

    def slow(host, *args, **kwargs):
        if host == 'slow-dns.braze.com':
            time.sleep(3)
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', slow)
    point('https://slow-dns.braze.com', braze_deadline='1')
    result, elapsed, _ = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert elapsed < 1.5


def test_four_unreachable_addresses_share_one_deadline(point, monkeypatch):
    with unanswered_listeners(4) as addresses:
        monkeypatch.setattr(socket, 'getaddrinfo', lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, '', address) for address in addresses])
        point('https://four-addresses.braze.com', braze_deadline='1', braze_connect_timeout='0.5')
        result, elapsed, _ = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert elapsed < 1.5  # urllib3 alone: 4 x 0.5 s


def drip(data, first=b'', every=0.2):
    """Read the request, send ``first`` at once, then ``data`` one byte at a time."""
    def handle(server, conn):
        server.read(conn)
        conn.sendall(first)
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(every)
    return handle


@pytest.mark.parametrize('what', ['headers', 'body'])
def test_dripped_bytes_cannot_hold_the_call_past_its_deadline(point, what):
    answer = ok(b'{"message": "success", "events_processed": 1}')
    head, _, body = answer.partition(b'\r\n\r\n')
    with serving(drip(answer) if what == 'headers' else drip(body, first=head + b'\r\n\r\n')) as server:
        point(server.url, braze_deadline='1', braze_read_timeout='0.9')
        result, elapsed, _ = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert elapsed < 1.5


def test_a_dripped_tls_handshake_cannot_hold_the_call_past_its_deadline(ca, ca_file, point):
    """A relay hands the real server's handshake to the client one byte at a time."""
    def answer(server, conn):
        server.read(conn)
        conn.sendall(ok())

    with serving(answer, tls_context(ca, '127.0.0.1')) as upstream:
        def relay(server, conn):
            far = socket.create_connection(('127.0.0.1', upstream.port))
            threading.Thread(target=lambda: _pump(conn, far), daemon=True).start()
            while True:
                data = far.recv(1)
                if not data:
                    return
                conn.sendall(data)
                time.sleep(0.05)

        with serving(relay) as front:
            point('https://127.0.0.1:{}'.format(front.port), braze_ca_bundle=ca_file, braze_deadline='1',
                  braze_connect_timeout='0.9', braze_read_timeout='0.9')
            result, elapsed, _ = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert elapsed < 1.5


def _pump(source, target):
    with contextlib.suppress(OSError):
        while True:
            data = source.recv(65536)
            if not data:
                return
            target.sendall(data)


# --- bounded answers ------------------------------------------------------------------------

@pytest.fixture(scope='module')
def gzip_bomb():
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b'\0' * (1024 * 1024)
    return b''.join(packer.compress(zeros) for _ in range(128)) + packer.flush()  # 128 MiB inflated


def measured(point_url, point, payload=None):
    point(point_url)
    tracemalloc.start()
    try:
        result, elapsed, lines = run(payload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, elapsed, peak, lines


def test_a_gzip_bomb_is_not_inflated_past_the_cap(point, gzip_bomb):
    def handle(server, conn):
        server.read(conn)
        conn.sendall(b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
                     b'Content-Length: ' + str(len(gzip_bomb)).encode() + b'\r\n\r\n' + gzip_bomb)

    with serving(handle) as server:
        result, elapsed, peak, lines = measured(server.url, point)
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unexpected'}
    assert 'once inflated was not read' in lines[-1]
    assert elapsed < 1.0 and peak < 8 * 1024 * 1024


def test_a_compressed_answer_within_the_cap_is_read(point):
    body = gzip.compress(b'{"message": "success", "events_processed": 1}')

    def handle(server, conn):
        server.read(conn)
        conn.sendall(b'HTTP/1.1 201 Created\r\nContent-Encoding: gzip\r\nContent-Length: ' +
                     str(len(body)).encode() + b'\r\n\r\n' + body)

    with serving(handle) as server:
        point(server.url)
        assert shown(run()[0]) == {'success': 'true'}


def test_an_answer_declared_over_the_cap_is_refused_at_once_without_waiting_for_its_bytes(point):
    done = threading.Event()

    def declare_two_mib_then_stall(server, conn):
        server.read(conn)
        conn.sendall(b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n')
        done.wait(5)  # sends none of the bytes it declared: a read would wait for its timeout

    try:
        with serving(declare_two_mib_then_stall) as server:
            point(server.url, braze_read_timeout='1')
            result, elapsed, lines = run(dict(ATTRIBUTES))
    finally:
        done.set()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unexpected'}
    assert 'an answer over 1024 KiB was not read' in lines[-1] and 'attempts=1' in lines[-1]
    assert elapsed < 0.9  # the cap is judged on the declared length: no read, so no read timeout


@pytest.mark.parametrize('framing', ['length', 'chunked'])
def test_a_huge_answer_is_cut_at_the_cap_and_memory_stays_bounded(point, framing):
    def handle(server, conn):
        server.read(conn)
        chunk = b'x' * (1024 * 1024)
        if framing == 'length':
            conn.sendall(b'HTTP/1.1 201 Created\r\nContent-Length: 67108864\r\n\r\n')
            for _ in range(64):
                conn.sendall(chunk)
        else:
            conn.sendall(b'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n')
            while True:
                conn.sendall(b'100000\r\n' + chunk + b'\r\n')

    with serving(handle) as server:
        result, elapsed, peak, lines = measured(server.url, point)
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unexpected'}
    assert 'over 1024 KiB was not read' in lines[-1]
    assert peak < 8 * 1024 * 1024


def test_a_duplicate_content_length_is_unavailable_not_internal(point):
    def handle(server, conn):
        server.read(conn)
        conn.sendall(b'HTTP/1.1 201 Created\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n{"message"}')

    with serving(handle) as server:
        point(server.url)
        result, _, _ = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}


# --- cookies and connection reuse ----------------------------------------------------------

def test_no_cookie_is_ever_kept_or_sent(point):
    def handle(server, conn):
        while server.read(conn)[0] is not None:
            conn.sendall(ok(extra=b'Set-Cookie: tracker=1; Path=/\r\nSet-Cookie: big=' + b'y' * 2000 + b'\r\n'))

    with serving(handle) as server:
        point(server.url)
        for _ in range(3):
            assert shown(run(dict(ATTRIBUTES))[0]) == {'success': 'true'}
    assert len(server.requests) == 3
    assert not any('cookie:' in head.lower() for head, _ in server.requests)


def test_calls_from_any_node_instance_reuse_one_connection(braze, logs):
    assert shown(BrazeUserTrack().execute(logs, dict(ATTRIBUTES), dict(SANDBOX))) == {'success': 'true'}
    assert shown(BrazeUserTrack().execute(logs, dict(EVENT), dict(SANDBOX))) == {'success': 'true'}
    assert load_node_lookup().execute(logs, {'external_id': 'u'}, dict(SANDBOX))['success'] == 'true'
    assert braze.connections == [True]  # one keep-alive connection, with TCP_NODELAY


def load_node_lookup():
    from support import BrazeUserLookup
    return BrazeUserLookup()


def test_a_refused_connection_was_never_sent_so_even_events_are_retried(point, make, clock, logs):
    point('http://127.0.0.1:{}'.format(free_port()))
    result = make(BrazeUserTrack).execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(clock.sleeps) == 2 and 'attempts=3' in logs[-1]
    assert logs[-1].endswith(': could not connect to Braze; after 3 attempts')


# --- the "never sent" side: what is safe to send again -------------------------------------------

def test_a_connection_dropped_during_the_tls_handshake_was_never_sent_so_even_events_are_retried(ca, point):
    """Our sockets read during the handshake but wrote no byte of the request: Braze cannot have it."""
    server_tls = tls_context(ca, '127.0.0.1')

    def drop_the_first_then_answer(server, conn):
        if server.connections == 1:
            conn.recv(1)  # the ClientHello begins; the connection then drops mid-handshake
            return
        tls = server_tls.wrap_socket(conn, server_side=True)
        if server.read(tls)[0] is not None:
            tls.sendall(ok(b'{"message": "success", "events_processed": 1}'))

    with serving(drop_the_first_then_answer) as server, ca.cert_pem.tempfile() as ca_path:
        point(server.url.replace('http://', 'https://'), braze_ca_bundle=ca_path)
        result, _, lines = run()
    assert shown(result) == {'success': 'true'}
    assert server.connections == 2 and len(server.requests) == 1  # resent once, recorded once
    assert 'attempts=2' in lines[-1]


def test_a_slow_send_then_a_hung_answer_ends_at_the_deadline(point):
    """Each socket operation gets only the time left: a send that used most of the deadline leaves a
    read of what remains, not a whole read timeout."""
    def slow_reader_then_silence(server, conn):
        time.sleep(0.8)  # the client's send waits on full buffers
        server.read(conn)
        time.sleep(5)    # and no answer comes

    body = b'{"attributes":[' + b' ' * (32 * 1024 * 1024) + b']}'
    with serving(slow_reader_then_silence) as server:
        settings = point(server.url, braze_read_timeout='3', braze_connect_timeout='3', braze_deadline='1.5')
        transport = wire.adapter(load_module('actions.braze_settings').load(app, dict(SANDBOX)))
        started = time.monotonic()
        with pytest.raises(wire.WireError) as failed:
            wire.post(transport, server.url + '/users/track', settings['braze_api_key'], body, (1.5, 1.5),
                      wire.monotonic_deadline(1.5))
        elapsed = time.monotonic() - started
    assert failed.value.reason == 'timeout' and failed.value.sent
    assert elapsed < 1.5 + 0.4  # a whole read timeout after the send would take 2.3 s


def test_a_handshake_after_a_slow_connect_gets_only_the_time_left(ca, ca_file, point, monkeypatch):
    sockets_module = load_module('actions.braze_sockets')
    connect = sockets_module.BoundedSocket.connect

    def slow_connect(self, address):
        time.sleep(0.8)
        return connect(self, address)

    monkeypatch.setattr(sockets_module.BoundedSocket, 'connect', slow_connect)
    with serving(lambda server, conn: time.sleep(5)) as server:  # accepts, never answers the ClientHello
        point(server.url.replace('http://', 'https://'), braze_ca_bundle=ca_file, braze_deadline='1.5',
              braze_connect_timeout='3', braze_read_timeout='3')
        result, elapsed, _ = run()
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert elapsed < 1.5 + 0.4  # an unbounded handshake would wait its socket's 1.5 s after the connect
