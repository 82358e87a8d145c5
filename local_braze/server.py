# -*- coding: utf-8 -*-
"""A Braze REST emulator on loopback (development only; never deployed with the nodes).

Standard library only: ``http.server`` with one thread per connection, HTTP/1.1 keep-alive, and
TCP_NODELAY on every accepted socket (without it each keep-alive answer waits ~40 ms for Nagle's
algorithm to meet the client's delayed ACK). docs/local_braze.md says where each behaviour comes
from, and which ones are ours rather than Braze's.
"""
import collections
import contextlib
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import export, identity, messaging, nested, track
from .faults import Faults, RateLimiter
from .store import Store

# Not a secret: the key of a loopback emulator, shaped like Braze's (36 characters after the prefix).
DEV_API_KEY = 'dev-key-9f4c2e71-5b3a-4d8e-a6f0-1c7b3e9d2a58'
MAX_BODY = 4 * 1024 * 1024
IDLE_TIMEOUT = 30.0  # seconds a connection may sit idle before it is closed (ours)
# Host headers the emulator answers (ours): loopback, or a Braze host pointed here; any other name is
# a DNS-rebinding page reaching for /_local/profiles, and is refused.
LOCAL_HOSTS = ('127.0.0.1', 'localhost', '[::1]', '::1')
_DIGITS = re.compile('^[0-9]{1,12}$')
PARSE_ERROR = 'Error while parsing request body. Please ensure the request body is valid JSON.'
# (per array, combined) objects per /users/track. Braze's rate-limit page: 75 combined today, 75 per
# array on legacy rate limits; the /users/track page's Monthly-Active-User section: "up to 75 updates
# combined" (an older version said 50).
CONTRACTS = {'standard': (None, 75), 'legacy': (75, None), 'mau': (None, 75)}

# path -> (permission, rate-limit group, handler(emulator, body) -> (status, answer, change or None))
Route = collections.namedtuple('Route', 'permission group handler')
ROUTES = {
    '/users/track': Route('users.track', 'track', lambda e, body: track.track(
        e.store, body, *CONTRACTS[e.contract]) + (None,)),
    '/users/export/ids': Route('users.export.ids', 'export', lambda e, body: export.export(e.store, body) + (None,)),
    '/users/identify': Route('users.identify', 'identity', lambda e, body: identity.identify(e.store, body)),
    '/users/alias/new': Route('users.alias.new', 'identity', lambda e, body: identity.alias_new(e.store, body)),
    '/users/merge': Route('users.merge', 'identity', lambda e, body: identity.merge(e.store, body)),
    '/canvas/trigger/send': Route('canvas.trigger.send', 'messaging', lambda e, body: messaging.trigger(
        e.store, e.sends, messaging.CANVAS, body, e.known_canvases, e.states)),
    '/campaigns/trigger/send': Route('campaigns.trigger.send', 'messaging', lambda e, body: messaging.trigger(
        e.store, e.sends, messaging.CAMPAIGN, body, e.known_campaigns, e.states)),
}
ALL_PERMISSIONS = frozenset(route.permission for route in ROUTES.values())
SLOW_EXPORT_FIELDS = ('campaigns_received', 'canvases_received')


class Emulator(object):
    """The emulator's state and settings; the HTTP server reads them on each request."""

    def __init__(self, api_key=None, permissions=None, contract='standard', array_limit=nested.MAX_ARRAY,
                 rate_limit=None, rate_window=3.0, rate_clock=time.time, retry_after_header=False,
                 fast=False, identity_delay=0.0, canvases=None, campaigns=None):
        if contract not in CONTRACTS:
            raise ValueError('contract must be standard, legacy or mau')
        self.keys = {}
        self.add_key(api_key or os.environ.get('LOCAL_BRAZE_API_KEY') or DEV_API_KEY, permissions)
        self.contract = contract
        self.fast = fast
        self.identity_delay = identity_delay
        self.known_canvases = frozenset(canvases) if canvases is not None else None
        self.states = {}  # Canvas or campaign id -> 'paused' / 'archived' (POST /_local/states)
        self.known_campaigns = frozenset(campaigns) if campaigns is not None else None
        self.store = Store(array_limit)
        self.sends = messaging.Sends()
        self.faults = Faults()
        self.rate_limiter = RateLimiter(rate_limit, rate_window, rate_clock, retry_after_header)
        self.received = []          # every /users/track body that reached the store, in arrival order
        self.answered = []          # (status, answer) for each body in ``received``
        self.requests = []          # (path, body) of every parsed request to a Braze endpoint
        self.connections = []       # one entry per accepted connection: was TCP_NODELAY on?
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = None
        self.scheme = 'http'

    @property
    def api_key(self):
        return next(iter(self.keys))

    def add_key(self, key, permissions=None):
        """A key with these permissions (None: every permission, as a key made for all endpoints)."""
        self.keys[key] = ALL_PERMISSIONS if permissions is None else frozenset(permissions)

    def profiles(self):
        """Every profile in Braze's export shape."""
        with self.store.lock:
            return [export.exported(profile) for profile in self.store.profiles]

    # --- lifecycle -----------------------------------------------------------------------
    def start(self, host='127.0.0.1', port=0, tls=None):
        """Serve in a background thread; ``tls=(certfile, keyfile)`` serves HTTPS."""
        handler = type('BoundHandler', (Handler,), {'emulator': self})
        self._server = Server((host, port), handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # Handshake in the connection's own thread, so one slow client cannot stall accept().
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True,
                                                      do_handshake_on_connect=False)
            self.scheme = 'https'
        threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
                         name='local-braze', daemon=True).start()
        return self

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return '{}://{}:{}'.format(self.scheme, host, port)

    def stop(self):
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- one request -----------------------------------------------------------------------
    def answer(self, path, key, content_type, raw):
        """(status, answer, extra headers, fault or None) for a POST to a Braze endpoint."""
        route = ROUTES[path]
        if key not in self.keys:  # Braze's recorded 401s carry the rate-limit headers, empty
            return 401, {'message': 'Invalid API key: {}'.format(key or '')}, dict.fromkeys(self._peek(route), ''), None
        if route.permission not in self.keys[key]:
            return 403, {'message': 'Access Denied'}, self._peek(route), None
        if content_type != 'application/json':  # observed, not in Braze's pages
            return 415, {'message': 'Unsupported Media Type: use application/json'}, self._peek(route), None
        try:
            body = json.loads(raw.decode('utf-8'))
        except (ValueError, RecursionError):
            return 400, {'message': PARSE_ERROR}, self._peek(route), None
        group = route.group
        if group == 'export' and isinstance(body, dict) and (
                not isinstance(body.get('fields_to_export'), list) or
                any(f in SLOW_EXPORT_FIELDS for f in body['fields_to_export'])):
            group = 'export_slow'
        allowed, headers = self.rate_limiter.check(group)
        if not allowed:
            return 429, {'message': 'Rate Limit Exceeded'}, headers, None
        with self.lock:
            self.requests.append((path, body))
        fault = self.faults.next()
        if fault is not None and not fault.processed:
            return None, None, headers, fault
        try:
            status, answer, change = route.handler(self, body if isinstance(body, dict) else {})
        except RecursionError:  # ours: Braze's depth limit is not published
            return 400, {'message': 'The request is nested too deeply.'}, headers, None
        if change is not None:
            if self.identity_delay and group == 'identity':  # Braze applies these asynchronously
                threading.Timer(self.identity_delay, change).start()
            else:
                change()
        if path == '/users/track':
            with self.lock:
                self.received.append(body)
                self.answered.append((status, answer))
        return status, answer, headers, fault

    def _peek(self, route):
        return self.rate_limiter.check(route.group, consume=False)[1]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open a new connection per call
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer (a deadline, a dropped-connection fault) is routine here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, socket.timeout)):
            ThreadingHTTPServer.handle_error(self, request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'local-braze/1.0'
    emulator = None  # set on the bound subclass
    timeout = IDLE_TIMEOUT  # an idle client does not hold a thread forever

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.emulator.lock:
            self.emulator.connections.append(
                bool(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

    def log_message(self, *args):  # quiet: tests and the CLI print what matters themselves
        pass

    def _foreign(self):
        """Refuse a request whose Host header names another site (DNS rebinding); True when refused."""
        host = (self.headers.get('Host') or '').strip().lower()
        name = host.rsplit(':', 1)[0] if not host.endswith(']') else host
        if name in LOCAL_HOSTS or name.endswith(('.braze.com', '.braze.eu')):
            return False
        self.close_connection = True
        self._answer(421, {'message': 'local_braze answers loopback and Braze host names only'})
        return True

    def do_GET(self):
        if self._foreign():
            return
        path = self.path.split('?', 1)[0]
        if path == '/_local/sends':  # development record of every send; no key (loopback only)
            return self._answer(200, self.emulator.sends.list())
        if path == '/_local/profiles':
            return self._answer(200, self.emulator.profiles())
        self._answer(404, {'message': 'Not Found'})

    def do_POST(self):
        emulator = self.emulator
        if self._foreign():
            return
        length = self._length()
        if length is None:
            return None
        raw = self.rfile.read(length) if length else b''
        path = self.path.split('?', 1)[0]
        if emulator.fast and path == '/users/track':
            return self._answer(201, {'message': 'success'})
        if path == '/_local/states':  # ours: mark a Canvas or campaign paused, archived or active
            if self._content_type() != 'application/json':
                return self._answer(415, {'message': 'expected Content-Type: application/json'})
            try:
                change = json.loads(raw.decode('utf-8'))
                target, state = change['id'], change['state']
                if not isinstance(target, str) or state not in ('paused', 'archived', 'active'):
                    raise ValueError('state must be paused, archived or active')
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                return self._answer(400, {'message': 'expected {"id": "<canvas id>", "state": "paused"}'})
            with emulator.lock:
                if state == 'active':
                    emulator.states.pop(target, None)
                else:
                    emulator.states[target] = state
            return self._answer(200, {'message': 'ok'})
        if path == '/_local/faults':  # the emulator's own control endpoint, for out-of-process tests
            if self._content_type() != 'application/json':  # a cross-site form cannot send JSON
                return self._answer(415, {'message': 'expected Content-Type: application/json'})
            try:
                emulator.faults.parse(json.loads(raw.decode('utf-8'))['spec'])
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as problem:
                return self._answer(400, {'message': 'expected {{"spec": "503x2"}}: {}'.format(
                    str(problem)[:100] if isinstance(problem, ValueError) else 'not that')})
            return self._answer(200, {'message': 'queued', 'pending': len(emulator.faults)})
        if path.endswith('/') and path.rstrip('/') in ROUTES:
            return self._answer(403, {'message': 'Forbidden'})  # observed from Braze, not on its pages
        if path not in ROUTES:
            return self._answer(404, {'message': 'Not Found'})
        status, answer, headers, fault = emulator.answer(path, self._bearer(), self._content_type(), raw)
        if fault is None:
            return self._answer(status, answer, headers)
        return self._fault(fault, headers, status, answer)

    def _fault(self, fault, headers, status, answer):
        if fault.kind == 'delay':  # then the real answer, late
            self.emulator.stopping.wait(fault.seconds)
            return self._answer(status or 201, answer or {'message': 'success'}, headers)
        if fault.kind == 'drop':
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if fault.kind == 'garbage':
            return self._send(fault.status, b'<html>upstream error</html>', 'text/html', headers)
        if 200 <= fault.status < 300:  # Braze documents an old 202 as {"message": "queued"}
            return self._answer(fault.status, {'message': 'queued'}, headers)
        return self._answer(fault.status, {'message': 'Internal Server Error'}, headers)

    def _length(self):
        """The body's length, or None once a refusal is sent: one Content-Length of digits (a
        negative, a word, two values, or chunked framing would leave the body unbounded), at most MAX_BODY."""
        values = self.headers.get_all('Content-Length') or []
        framed = self.headers.get('Transfer-Encoding')
        if framed or len(values) > 1 or (values and not _DIGITS.match(values[0].strip())):
            self.close_connection = True
            self._answer(400, {'message': 'Content-Length must be one non-negative integer (no chunked bodies)'})
            return None
        length = int(values[0]) if values else 0
        if length > MAX_BODY:
            self.close_connection = True
            self._answer(413, {'message': 'Request Entity Too Large'})
            return None
        return length

    def _content_type(self):
        return (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()

    def _bearer(self):
        scheme, _, key = (self.headers.get('Authorization') or '').partition(' ')
        return key.strip() if scheme == 'Bearer' and key.strip() else None

    def _answer(self, status, answer, headers=None):
        return self._send(status, json.dumps(answer).encode('utf-8'), 'application/json', headers)

    def _send(self, status, payload, content_type, headers=None):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


@contextlib.contextmanager
def running(**options):
    """``with running() as braze:`` an emulator on a free loopback port; ``braze.url``, ``braze.store``."""
    emulator = Emulator(**options).start()
    try:
        yield emulator
    finally:
        emulator.stop()
