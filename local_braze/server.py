# -*- coding: utf-8 -*-
"""A Braze REST emulator on loopback: /users/track and /users/export/ids.

Standard library only: ``http.server`` with one thread per connection, HTTP/1.1 keep-alive,
and TCP_NODELAY on every accepted socket (without it each keep-alive answer waits ~40 ms
for Nagle's algorithm to meet the client's delayed ACK).
"""
import contextlib
import json
import os
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import validation
from .faults import Faults, RateLimiter
from .store import Store

DEV_API_KEY = 'local-braze-dev-key'
ARRAYS = ('attributes', 'events', 'purchases')
MAX_BODY = 4 * 1024 * 1024
PARSE_ERROR = 'Error while parsing request body. Please ensure the request body is valid JSON.'
NO_VALID_DATA = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."


class Emulator(object):
    """The emulator's state and settings; the HTTP server reads them on each request."""

    def __init__(self, api_key=None, max_objects=75, per_array=False, rate_limit=None, rate_window=3.0,
                 fast=False, rate_clock=time.time):
        self.keys = {}
        self.add_key(api_key or os.environ.get('LOCAL_BRAZE_API_KEY') or DEV_API_KEY,
                     ('users.track', 'users.export.ids'))
        self.max_objects = max_objects
        self.per_array = per_array
        self.fast = fast
        self.store = Store()
        self.faults = Faults()
        self.rate_limiter = RateLimiter(rate_limit, rate_window, rate_clock)
        self.received = []          # every /users/track body that parsed, in arrival order
        self.answered = []          # (status, answer) for each body in ``received``
        self.connections = []       # one entry per accepted connection: was TCP_NODELAY on?
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = None
        self._thread = None
        self.scheme = 'http'

    @property
    def api_key(self):
        return next(iter(self.keys))

    def add_key(self, key, permissions=('users.track',)):
        self.keys[key] = frozenset(permissions)

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
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
                                        name='local-braze', daemon=True)
        self._thread.start()
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

    # --- the endpoints -------------------------------------------------------------------
    def track(self, body):
        """Answer a parsed /users/track body: (status, answer)."""
        if not isinstance(body, dict):
            return 400, {'message': NO_VALID_DATA}
        arrays = {name: body.get(name) for name in ARRAYS if body.get(name) is not None}
        if any(not isinstance(items, list) for items in arrays.values()):
            return 400, {'message': NO_VALID_DATA}
        counts = [len(items) for items in arrays.values()]
        if (max(counts) if self.per_array and counts else sum(counts)) > self.max_objects:
            return 400, {'message': 'Max Input Length Exceeded'}
        errors, processed = [], {}
        for name, items in arrays.items():
            processed[name] = 0
            for index, obj in enumerate(items):
                problem = validation.CHECKS[name](obj) if isinstance(obj, dict) else validation.NO_IDENTIFIER
                if problem:
                    errors.append({'type': problem, 'input_array': name, 'index': index})
                else:
                    self.store.apply(name, obj)
                    processed[name] += 1
        if not any(processed.values()):
            return 400, dict({'message': NO_VALID_DATA}, **({'errors': errors} if errors else {}))
        answer = {'message': 'success'}
        answer.update(('{}_processed'.format(name), count) for name, count in processed.items())
        if errors:
            answer['errors'] = errors
        return 201, answer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open a new connection per call
    block_on_close = False
    allow_reuse_address = True


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'local-braze/1.0'
    emulator = None  # set on the bound subclass

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

    def do_GET(self):
        self._answer(404, {'message': 'Not Found'})

    def do_POST(self):
        emulator = self.emulator
        length = int(self.headers.get('Content-Length') or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._answer(413, {'message': 'Request Entity Too Large'})
        raw = self.rfile.read(length) if length else b''
        if emulator.fast:
            return self._answer(201, {'message': 'success'})
        path = self.path.split('?', 1)[0]
        if path == '/_local/faults':  # the emulator's own control endpoint, for out-of-process tests
            try:
                emulator.faults.parse(json.loads(raw.decode('utf-8'))['spec'])
            except (ValueError, KeyError, TypeError, AttributeError):
                return self._answer(400, {'message': 'expected {"spec": "503x2"}'})
            return self._answer(200, {'message': 'queued', 'pending': len(emulator.faults)})
        if path == '/users/track/':
            return self._answer(403, {'message': 'Forbidden'})  # Braze refuses the trailing slash
        if path not in ('/users/track', '/users/export/ids'):
            return self._answer(404, {'message': 'Not Found'})
        key = self._bearer()
        if key not in emulator.keys:
            return self._answer(401, {'message': 'Invalid API key: {}'.format(key or '')})
        permission = 'users.track' if path == '/users/track' else 'users.export.ids'
        if permission not in emulator.keys[key]:
            return self._answer(403, {'message': 'Access Denied: the API key lacks {}'.format(permission)})
        if (self.headers.get('Content-Type') or '').split(';')[0].strip().lower() != 'application/json':
            return self._answer(415, {'message': 'Unsupported Media Type: use application/json'})
        try:
            body = json.loads(raw.decode('utf-8'))
        except ValueError:
            return self._answer(400, {'message': PARSE_ERROR})
        if path == '/users/export/ids':
            return self._answer(201, emulator.store.export(body if isinstance(body, dict) else {}))
        allowed, limit_headers = emulator.rate_limiter.check()
        if not allowed:
            return self._answer(429, {'message': 'Rate Limit Exceeded'}, limit_headers)
        fault = emulator.faults.next()
        if fault is None or fault.processed:
            emulator.received.append(body)
            status, answer = emulator.track(body)
            emulator.answered.append((status, answer))
        if fault is None:
            return self._answer(status, answer, limit_headers)
        return self._fault(fault, limit_headers)

    def _fault(self, fault, headers):
        if fault.kind == 'delay':
            self.emulator.stopping.wait(fault.seconds)
            return self._answer(201, {'message': 'success'}, headers)
        if fault.kind == 'drop':
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if fault.kind == 'garbage':
            return self._send(fault.status, b'<html>upstream error</html>', 'text/html', headers)
        return self._answer(fault.status, {'message': 'Internal Server Error'}, headers)

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
