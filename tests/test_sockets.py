# -*- coding: utf-8 -*-
"""The deadline-keeping socket helpers on their own: name resolution in every form, the lookup
thread's bounds, and the time left as each socket operation sees it."""
import socket
import ssl
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
    def capture(context, sock, *args, **kwargs):
        raise _Wrapped(args, kwargs)
    monkeypatch.setattr(ssl.SSLContext, 'wrap_socket', capture)

    def wrap(sock, *args, **kwargs):
        with pytest.raises(_Wrapped) as given:
            sockets.BoundedContext(ssl.PROTOCOL_TLS_CLIENT).wrap_socket(sock, *args, **kwargs)
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


# --- resolve and _connect with the system calls replaced: every argument they pass, no network ---

def test_an_ip_literal_is_resolved_numerically_and_a_name_without_a_deadline_directly(monkeypatch):
    asked = []
    monkeypatch.setattr(socket, 'getaddrinfo', lambda *args: asked.append(args) or ['found'])
    assert sockets.resolve('[::1]', 443, 1.0) == ['found']
    assert sockets.resolve('rest.iad-01.braze.com', 443, None) == ['found']
    assert asked == [('::1', 443, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST),
                     ('rest.iad-01.braze.com', 443, 0, socket.SOCK_STREAM)]


class _Started(object):
    """threading.Thread as resolve starts it: recorded, run at once (or never, for a hung lookup)."""
    made, run = [], True

    def __init__(self, **options):
        _Started.made.append(options)
        self.target = options['target']

    def start(self):
        if _Started.run:
            self.target()


class _NeverDone(object):
    def set(self):
        pass

    def wait(self, timeout):
        return False


def test_a_lookup_runs_in_a_named_daemon_thread_so_a_hung_one_never_holds_the_process(monkeypatch):
    monkeypatch.setattr(_Started, 'made', [])
    monkeypatch.setattr(sockets.threading, 'Thread', _Started)
    monkeypatch.setattr(socket, 'getaddrinfo', lambda *args: [args])
    assert sockets.resolve('rest.iad-01.braze.com', 443, 1.0) == [('rest.iad-01.braze.com', 443, 0, socket.SOCK_STREAM)]
    assert [(made['name'], made['daemon']) for made in _Started.made] == [('braze-dns', True)]


def test_a_lookup_that_does_not_answer_in_the_time_left_is_a_timeout_in_words(monkeypatch):
    monkeypatch.setattr(_Started, 'run', False)
    monkeypatch.setattr(sockets.threading, 'Thread', _Started)
    monkeypatch.setattr(sockets.threading, 'Event', _NeverDone)
    with pytest.raises(socket.timeout) as late:
        sockets.resolve('rest.iad-01.braze.com', 443, 0.5)
    assert str(late.value) == 'the name lookup did not answer in time'


def test_stuck_lookups_are_waited_for_no_longer_than_the_time_left(monkeypatch):
    waited = []

    class Full(object):
        def acquire(self, timeout):
            waited.append(timeout)
            return False
    monkeypatch.setattr(sockets, '_LOOKUPS', Full())
    with pytest.raises(socket.timeout, match='name lookups are stuck'):
        sockets.resolve('rest.iad-01.braze.com', 443, 0.5)
    assert waited == [0.5]


@pytest.mark.parametrize('first, second, shorter', [(None, 2.0, 2.0), (1.0, None, 1.0), (None, None, None),
                                                    (3.0, 2.0, 2.0), (1.0, 2.0, 1.0)])
def test_the_shorter_of_two_timeouts_and_none_is_no_limit(first, second, shorter):
    assert sockets._shorter(first, second) == shorter


class _Connection(object):
    timeout, _dns_host, port, host = 4.0, 'rest.iad-01.braze.com', 443, '[::1]'
    socket_options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class _FakeSocket(object):
    made = []
    refuse = ()  # addresses whose connect fails, and how

    def __init__(self, family, kind, proto):
        self.made.append(self)
        self.args, self.options, self.timeouts, self.closed = (family, kind, proto), [], [], False

    def setsockopt(self, *option):
        self.options.append(option)

    def settimeout(self, value):
        self.timeouts.append(value)

    def connect(self, address):
        failure = dict(self.refuse).get(address)
        if failure is not None:
            raise failure

    def close(self):
        self.closed = True


ADDRESSES = [(socket.AF_INET6, socket.SOCK_STREAM, 6, '', ('::1', 443)),
             (socket.AF_INET, socket.SOCK_STREAM, 6, '', ('127.0.0.1', 443))]


@pytest.fixture
def fake_sockets(monkeypatch):
    monkeypatch.setattr(_FakeSocket, 'made', [])
    monkeypatch.setattr(sockets, 'BoundedSocket', _FakeSocket)
    monkeypatch.setattr(sockets, 'resolve', lambda host, port, left: ADDRESSES)
    return _FakeSocket


def test_a_connection_tries_each_address_with_its_options_and_the_connect_timeout(fake_sockets, monkeypatch):
    monkeypatch.setattr(fake_sockets, 'refuse', [(('::1', 443), ConnectionRefusedError())])
    sock = sockets._connect(_Connection())
    first, second = fake_sockets.made
    assert sock is second and first.closed and not second.closed
    assert first.args == (socket.AF_INET6, socket.SOCK_STREAM, 6) and second.args[2] == 6
    assert second.options == [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)] and second.timeouts == [4.0]
    assert second.braze_host == '::1'


def test_a_connection_never_waits_past_the_call_s_deadline(fake_sockets):
    import time
    sockets.begin(time.monotonic() + 1.5)
    try:
        sockets._connect(_Connection())
    finally:
        sockets.end()
    [timeout] = fake_sockets.made[0].timeouts
    assert 1.0 < timeout <= 1.5  # the time left, shorter than the 4 s connect timeout


@pytest.mark.parametrize('failure, error, words', [
    (ConnectionRefusedError(), 'NewConnectionError', 'could not connect: ConnectionRefusedError'),
    (socket.timeout(), 'ConnectTimeoutError', 'could not connect in time')])
def test_when_every_address_fails_the_last_failure_is_said(fake_sockets, monkeypatch, failure, error, words):
    monkeypatch.setattr(fake_sockets, 'refuse', [(address[4], failure) for address in ADDRESSES])
    with pytest.raises(Exception) as failed:
        sockets._connect(_Connection())
    assert type(failed.value).__name__ == error and failed.value.args[-1].endswith(words)
    assert all(made.closed for made in fake_sockets.made)


def test_a_host_with_no_address_is_said(monkeypatch):
    monkeypatch.setattr(sockets, 'resolve', lambda host, port, left: [])
    with pytest.raises(Exception) as failed:
        sockets._connect(_Connection())
    assert type(failed.value).__name__ == 'NewConnectionError'
    assert failed.value.args[-1].endswith('could not connect: OSError')
