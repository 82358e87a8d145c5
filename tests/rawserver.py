# -*- coding: utf-8 -*-
"""A loopback server whose every connection runs a test's own function: for answers no real
server gives (dripped bytes, gzip bombs, broken TLS records), and for counting what arrived."""
import contextlib
import socket
import ssl
import threading


def read_request(conn):
    """Read one HTTP request (headers and Content-Length body) -> (head text, body bytes)."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, None
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    length = 0
    for line in head.decode('latin-1').split('\r\n')[1:]:
        name, _, value = line.partition(':')
        if name.strip().lower() == 'content-length':
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head.decode('latin-1'), body


class RawServer(object):
    def __init__(self, handle, tls=None):
        self.handle = handle
        self.requests = []        # (head, body) of each request the handler read
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(16)
        self._tls = tls
        self._stopping = False
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self):
        return '{}://127.0.0.1:{}'.format('https' if self._tls else 'http', self.port)

    def read(self, conn):
        head, body = read_request(conn)
        if head is not None:
            self.requests.append((head, body))
        return head, body

    def _serve(self):
        while not self._stopping:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            if self._tls:
                conn = self._tls.wrap_socket(conn, server_side=True)
            self.handle(self, conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self):
        self._stopping = True
        self._sock.close()


@contextlib.contextmanager
def serving(handle, tls=None):
    server = RawServer(handle, tls)
    try:
        yield server
    finally:
        server.close()


def tls_context(ca, *names):
    """A server-side TLS context with a certificate ``ca`` (trustme) issued for ``names``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(context)
    return context


def ok(body=b'{"message": "success", "attributes_processed": 1}', extra=b''):
    return (b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ' +
            str(len(body)).encode() + b'\r\n' + extra + b'\r\n' + body)
