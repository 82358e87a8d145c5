# -*- coding: utf-8 -*-
"""Sockets that keep the call's deadline, and know whether the request was written.

urllib3's timeouts apply to each socket operation: a server that drips one byte every 0.2 s, a
name server that takes 3 s, or a host with four unreachable addresses (each given the full
connect timeout) hold a call far past its deadline. The HTTP stack stays requests/urllib3; these
classes only bound each step by the time the call has left:

- the host name is resolved in a helper thread, waited for no longer than the time left;
- each address is tried with a connect timeout cut to the time left;
- before every read and write the socket's timeout is cut to the time left, so a drip ends at
  the deadline however slowly it comes.

They also record whether any byte of the request was written: a failure before that means Braze
never saw the request (safe to send again, even with events); after it, Braze may have it.
"""
import ipaddress
import socket
import ssl
import threading
import time

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

_CALL = threading.local()
_LOOKUPS = threading.BoundedSemaphore(8)  # name lookups that may hang at once, process-wide


class CallState(object):
    """What the sockets learn during one attempt of the calling thread."""

    def __init__(self, deadline):
        self.deadline = deadline      # time.monotonic() value, or None
        self.used = False             # one of our sockets carried this attempt
        self.written = False          # a byte of the request went out
        self.expired = False          # a step was cut short by the deadline


def begin(deadline):
    """Start an attempt in this thread; sockets keep ``deadline`` (a time.monotonic() value)."""
    state = _CALL.state = CallState(deadline)
    return state


def end():
    _CALL.state = None


def _state():
    return getattr(_CALL, 'state', None)


def _time_left(state):
    if state is None or state.deadline is None:
        return None
    left = state.deadline - time.monotonic()
    if left <= 0:
        state.expired = True
        raise socket.timeout('the call deadline passed')
    return left


class _Bounded(object):
    """Read and write with the socket timeout cut to the call's time left."""

    def _bound(self, writing):
        state = _state()
        if state is not None:
            state.used = True
            if writing:
                state.written = True
            left = _time_left(state)
            if left is not None:
                current = self.gettimeout()
                if current is None or current > left:
                    self.settimeout(left)

    # Arguments pass through untouched: socket and SSLSocket give them different defaults.
    def recv_into(self, *args, **kwargs):
        self._bound(False)
        return super(_Bounded, self).recv_into(*args, **kwargs)

    def recv(self, *args, **kwargs):
        self._bound(False)
        return super(_Bounded, self).recv(*args, **kwargs)

    def sendall(self, *args, **kwargs):
        self._bound(True)
        return super(_Bounded, self).sendall(*args, **kwargs)

    def send(self, *args, **kwargs):
        self._bound(True)
        return super(_Bounded, self).send(*args, **kwargs)


class BoundedSocket(_Bounded, socket.socket):
    pass


class BoundedContext(ssl.SSLContext):
    """An SSL context that always gives OpenSSL the host name to verify.

    urllib3 1.26 wraps a socket to an IP literal without ``server_hostname``; with ``check_hostname``
    on, Python would refuse that, so the name comes from the socket, which knows where it connected.
    urllib3 2 always passes it, and then this changes nothing."""

    def wrap_socket(self, sock, *args, **kwargs):
        if kwargs.get('server_hostname') is None and len(args) < 4:
            kwargs['server_hostname'] = getattr(sock, 'braze_host', None)
        return ssl.SSLContext.wrap_socket(self, sock, *args, **kwargs)


class BoundedSSLSocket(_Bounded, ssl.SSLSocket):
    def do_handshake(self, *args, **kwargs):
        self._bound(False)
        return ssl.SSLSocket.do_handshake(self, *args, **kwargs)


def resolve(host, port, left):
    """getaddrinfo, given no longer than ``left`` seconds (None: as long as it takes)."""
    try:
        ipaddress.ip_address(host.strip('[]'))
        return socket.getaddrinfo(host.strip('[]'), port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    except ValueError:
        pass
    if left is None:
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    found = {}
    done = threading.Event()

    def lookup():
        try:
            found['addresses'] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except Exception as error:  # handed to the waiting caller below
            found['error'] = error
        finally:
            _LOOKUPS.release()
            done.set()

    if not _LOOKUPS.acquire(timeout=left):
        raise socket.timeout('name lookups are stuck')
    threading.Thread(target=lookup, name='braze-dns', daemon=True).start()
    if not done.wait(left):
        raise socket.timeout('the name lookup did not answer in time')
    if 'error' in found:
        raise found['error']
    return found['addresses']


def _connect(connection):
    """urllib3's _new_conn, with every step inside the call's time left."""
    state = _state()
    timeout = connection.timeout if isinstance(connection.timeout, (int, float)) else None
    try:
        addresses = resolve(connection._dns_host, connection.port, _time_left(state))
        last = OSError('no address for the host')
        for family, kind, proto, _, address in addresses:
            sock = BoundedSocket(family, kind, proto)
            try:
                for option in connection.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(_shorter(timeout, _time_left(state)))
                sock.connect(address)
                sock.braze_host = connection.host.strip('[]')  # the name TLS must verify (no trailing dot)
                return sock
            except OSError as error:  # socket.timeout included: the next address may answer
                sock.close()
                last = error
        raise last
    except socket.timeout:
        raise ConnectTimeoutError(connection, 'could not connect in time')
    except OSError as error:
        raise NewConnectionError(connection, 'could not connect: {}'.format(type(error).__name__))


def _shorter(first, second):
    return second if first is None else first if second is None else min(first, second)


class BoundedHTTPConnection(HTTPConnection):
    def _new_conn(self):
        return _connect(self)


class BoundedHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        return _connect(self)


class BoundedHTTPPool(HTTPConnectionPool):
    ConnectionCls = BoundedHTTPConnection


class BoundedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = BoundedHTTPSConnection


POOL_CLASSES = {'http': BoundedHTTPPool, 'https': BoundedHTTPSPool}
