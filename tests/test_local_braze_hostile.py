# -*- coding: utf-8 -*-
"""The emulator holds up like a server: hostile framing, nesting, foreign Host headers, cross-site
posts, unbounded fault specs and idle clients each get a clear answer (or a closed connection), never
a traceback or an unbounded read. All on loopback."""
import json
import socket
import time

import pytest
import requests

import local_braze
from local_braze.__main__ import _list
from local_braze.faults import Faults, MAX_QUEUED


@pytest.fixture
def braze():
    with local_braze.running() as emulator:
        yield emulator


def raw_request(braze, head, body=b'', read_for=2.0):
    """Send bytes as they are; return what came back before the server closed or went quiet."""
    with socket.create_connection(('127.0.0.1', int(braze.url.rsplit(':', 1)[1])), timeout=read_for) as sock:
        sock.sendall(head.encode('latin-1') + b'\r\n\r\n' + body)
        received = b''
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
                if b'\r\n\r\n' in received and _complete(received):
                    break
        except socket.timeout:
            pass
    return received


def _complete(data):
    head, _, body = data.partition(b'\r\n\r\n')
    for line in head.split(b'\r\n'):
        if line.lower().startswith(b'content-length:'):
            return len(body) >= int(line.split(b':')[1])
    return False


def status_of(data):
    return int(data.split(b' ', 2)[1]) if data.startswith(b'HTTP/') else None


def track_head(braze, length_header):
    return ('POST /users/track HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n'
            'Content-Type: application/json\r\n{}'.format(braze.api_key, length_header))


@pytest.mark.parametrize('length', ['Content-Length: -1', 'Content-Length: abc', 'Content-Length: 1e3',
                                    'Content-Length: 5\r\nContent-Length: 6', 'Transfer-Encoding: chunked'])
def test_a_content_length_that_would_leave_the_body_unbounded_is_400(braze, length):
    body = json.dumps({'attributes': [{'external_id': 'u', 'a': 1}]}).encode()
    answer = raw_request(braze, track_head(braze, length), body)
    assert status_of(answer) == 400 and b'Content-Length must be' in answer
    assert braze.profiles() == []


def test_an_honest_oversized_body_is_413(braze):
    answer = raw_request(braze, track_head(braze, 'Content-Length: {}'.format(5 * 1024 * 1024)), b'{')
    assert status_of(answer) == 413


@pytest.mark.parametrize('depth', [1000, 100000])
def test_json_nested_beyond_any_parser_is_a_400_not_a_dropped_connection(braze, depth):
    body = ('{"attributes": [{"external_id": "u", "n": ' + '[' * depth + ']' * depth + '}]}').encode()
    answer = raw_request(braze, track_head(braze, 'Content-Length: {}'.format(len(body))), body)
    assert status_of(answer) == 400


@pytest.mark.parametrize('path', ['/_local/profiles', '/_local/sends'])
@pytest.mark.parametrize('host', ['attacker.example', 'attacker.example:80', '127.0.0.1.attacker.example'])
def test_a_foreign_host_header_is_refused(braze, path, host):
    answer = requests.get(braze.url + path, headers={'Host': host}, timeout=5)
    assert answer.status_code == 421
    assert requests.get(braze.url + path, timeout=5).status_code == 200
    assert requests.get(braze.url + path, headers={'Host': 'rest.iad-01.braze.com'}, timeout=5).status_code == 200


def test_a_cross_site_post_to_the_control_endpoint_is_refused(braze):
    answer = requests.post(braze.url + '/_local/faults', data='{"spec": "503x5"}',
                           headers={'Content-Type': 'text/plain'}, timeout=5)
    assert answer.status_code == 415 and len(braze.faults) == 0
    assert requests.post(braze.url + '/_local/faults', json={'spec': '503'}, timeout=5).status_code == 200


@pytest.mark.parametrize('spec', ['503x500000000', '503x0', 'delay:99999999', ['503'], '503x{}'.format(MAX_QUEUED + 1)])
def test_a_fault_spec_beyond_its_bounds_is_refused_without_allocating(braze, spec):
    answer = requests.post(braze.url + '/_local/faults', json={'spec': spec}, timeout=5)
    assert answer.status_code == 400 and len(braze.faults) == 0


def test_the_fault_queue_is_bounded_in_total():
    faults = Faults()
    faults.parse('503x{}'.format(MAX_QUEUED))
    with pytest.raises(ValueError, match='at most'):
        faults.parse('500')
    assert len(faults) == MAX_QUEUED


def test_an_empty_permissions_option_grants_nothing():
    assert _list('') == [] and _list(None) is None and _list('users.track, ') == ['users.track']
    emulator = local_braze.Emulator(api_key='k', permissions=_list(''))
    assert emulator.answer('/users/track', 'k', 'application/json', b'{}')[0] == 403


def test_an_idle_client_is_disconnected(braze, monkeypatch):
    monkeypatch.setattr(local_braze.server.Handler, 'timeout', 0.3)
    with socket.create_connection(('127.0.0.1', int(braze.url.rsplit(':', 1)[1])), timeout=3) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b''  # the server closed the idle connection
        assert time.monotonic() - started < 2
