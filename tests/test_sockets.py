# -*- coding: utf-8 -*-
"""The deadline-keeping socket helpers on their own: name resolution in every form, the lookup
thread's bounds, and the time left as each socket operation sees it."""
import socket
import threading

import pytest

from support import load_module

sockets = load_module('actions.braze_sockets')


@pytest.mark.parametrize('left', [None, 2.0])
def test_a_name_resolves_to_stream_addresses_on_the_given_port(left):
    found = sockets.resolve('localhost', 4443, left)
    assert found and all(kind == socket.SOCK_STREAM and address[1] == 4443 for _, kind, _, _, address in found)


@pytest.mark.parametrize('host, family', [('127.0.0.1', socket.AF_INET), ('[::1]', socket.AF_INET6)])
def test_an_ip_literal_is_never_looked_up(monkeypatch, host, family):
    monkeypatch.setattr(sockets.threading, 'Thread', None)  # no lookup thread may start
    [(found_family, kind, _, _, address)] = sockets.resolve(host, 80, 1.0)
    assert (found_family, kind, address[0], address[1]) == (family, socket.SOCK_STREAM, host.strip('[]'), 80)


def test_a_lookup_that_fails_raises_its_own_error_in_the_caller():
    with pytest.raises(socket.gaierror):
        sockets.resolve('no-such-host.invalid', 443, 2.0)


def test_lookups_stuck_everywhere_are_a_timeout_not_a_hang():
    taken = 0
    try:
        while sockets._LOOKUPS.acquire(blocking=False):
            taken += 1
        with pytest.raises(socket.timeout, match='^name lookups are stuck$'):
            sockets.resolve('localhost', 443, 0.05)
    finally:
        for _ in range(taken):
            sockets._LOOKUPS.release()
    assert taken == 8


def test_the_time_left_is_what_remains_and_running_out_marks_the_attempt(monkeypatch):
    monkeypatch.setattr(sockets.time, 'monotonic', lambda: 100.0)
    assert sockets._time_left(None) is None
    assert sockets._time_left(sockets.CallState(None)) is None
    assert sockets._time_left(sockets.CallState(100.5)) == 0.5
    for deadline in (100.0, 99.0):
        state = sockets.CallState(deadline)
        with pytest.raises(socket.timeout, match='^the call deadline passed$'):
            sockets._time_left(state)
        assert state.expired is True


def test_each_attempt_has_its_own_state_in_its_own_thread():
    seen = []
    worker = threading.Thread(target=lambda: seen.append(sockets._state()))
    worker.start()
    worker.join()
    assert seen == [None]  # a thread that never began an attempt has no state
    state = sockets.begin(123.0)
    assert sockets._state() is state and (state.used, state.written, state.expired) == (False, False, False)
    sockets.end()
    assert sockets._state() is None


class _Wrapped(Exception):
    """What BoundedContext handed to ssl.SSLContext.wrap_socket (raised to end the call there)."""


@pytest.fixture
def handed(monkeypatch):
    import ssl

    def capture(context, sock, *args, **kwargs):
        raise _Wrapped(args, kwargs)
    monkeypatch.setattr(ssl.SSLContext, 'wrap_socket', capture)

    def wrap(sock, *args, **kwargs):
        import ssl as ssl_module
        with pytest.raises(_Wrapped) as given:
            sockets.BoundedContext(ssl_module.PROTOCOL_TLS_CLIENT).wrap_socket(sock, *args, **kwargs)
        return given.value.args
    return wrap


class _Socket(object):
    braze_host = 'rest.iad-01.braze.com'  # where our connection connected (urllib3 1.26 may not say)


def test_the_host_name_comes_from_the_socket_only_when_the_caller_gave_none(handed):
    assert handed(_Socket()) == ((), {'server_hostname': 'rest.iad-01.braze.com'})
    assert handed(_Socket(), server_hostname=None) == ((), {'server_hostname': 'rest.iad-01.braze.com'})
    # urllib3 2 always names the host: it is used as given, never replaced
    assert handed(_Socket(), server_hostname='other.example') == ((), {'server_hostname': 'other.example'})
    # given by position (server_side, do_handshake_on_connect, suppress_ragged_eofs, server_hostname)
    assert handed(_Socket(), False, True, True, 'other.example') == ((False, True, True, 'other.example'), {})
    assert handed(_Socket(), False, True, True) == ((False, True, True), {'server_hostname': 'rest.iad-01.braze.com'})
    # a socket that is not ours: nothing to fill in, and no error
    assert handed(object()) == ((), {'server_hostname': None})
