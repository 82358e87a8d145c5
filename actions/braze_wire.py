# -*- coding: utf-8 -*-
"""The wire: one POST to Braze, through requests' HTTPAdapter and urllib3, with bounded everything.

- One adapter (and so one keep-alive pool) per process and trust store; no cookies, no proxies
  or netrc from the environment (only app.PARAMS decides where the key goes), no redirects.
- One SSL context per trust store, loaded once: requests would otherwise hand urllib3 the CA
  file again for every new connection, which reloads a certifi-sized bundle each time (~18 ms).
  Verification is exactly as strict as requests' own (the public store, plus ``braze_ca_bundle``
  when set; OpenSSL checks the host name, so a refused name is a certificate error, never retried).
- The request is built directly and handed to the adapter (no per-call environment merging,
  hooks, cookies or redirects); sockets keep the call's deadline (braze_sockets).
- The answer is read as a stream, at most ``MAX_ANSWER`` bytes, before and after decoding:
  Braze's answers are small, a gzip bomb or a 64 MiB body is refused, not buffered.
"""
import collections
import http.client
import json
import socket
import ssl
import time
import zlib
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import parse_url

from . import braze_sockets as sockets
from .braze_url import DISAGREE, UrlError, nearest_rest_hosts
from .braze_version import USER_AGENT

MAX_ANSWER = 1024 * 1024
_CHUNK = 64 * 1024
_NO_PROXIES = {}
_TOO_LARGE = 'an answer over {} KiB was not read'.format(MAX_ANSWER // 1024)
# What a failing transport raises (requests, urllib3, sockets, http.client, bad headers); anything
# else is a bug of ours and must surface as one.
TRANSPORT_ERRORS = (requests.exceptions.RequestException, HTTPError, OSError, http.client.HTTPException,
                    ValueError)
_TIMEOUTS = (requests.exceptions.Timeout, Urllib3Timeout, socket.timeout)
_NEVER_CONNECTED = (requests.exceptions.ConnectTimeout, ConnectTimeoutError, NewConnectionError)

Answer = collections.namedtuple('Answer', 'status headers body note')  # body: parsed JSON or None


def agrees(url, base):
    """UrlError unless urllib3, which requests connects with, reads ``url`` as ``base`` says: the
    second parser of braze_url's rule (Settings.url asks once per endpoint and remembers)."""
    seen = parse_url(url)
    if (seen.scheme, (seen.host or '').strip('[]'), seen.port, seen.auth, seen.query, seen.fragment) != \
            (base.scheme, base.host.strip('[]'), base.port, None, None, None):
        raise UrlError(DISAGREE)


class WireError(Exception):
    """No usable answer. ``sent``: Braze may have received the request (it must not be assumed
    unprocessed). ``certificate``: the TLS certificate was refused. ``final``: retrying cannot help
    (a refused certificate, a host name that does not exist)."""

    def __init__(self, reason, message, sent, certificate=False, final=False):
        Exception.__init__(self, message)
        self.reason = reason
        self.sent = sent
        self.certificate = certificate
        self.final = final or certificate  # trying again within the call cannot help


class BrazeAdapter(HTTPAdapter):
    """requests' adapter over pools whose sockets keep the deadline, with one shared SSL context.

    The overrides are the hooks requests documents for subclassing; besides the trust store they
    drop per-call work the node never needs (cookie extraction, proxy selection, URL re-parsing)."""

    def __init__(self, ssl_context):
        self._ssl_context = ssl_context
        self._hosts = {}
        HTTPAdapter.__init__(self, pool_connections=4, pool_maxsize=32, max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        HTTPAdapter.init_poolmanager(self, connections, maxsize, block, ssl_context=self._ssl_context,
                                     **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = sockets.POOL_CLASSES

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        # requests >= 2.32.2: our context in the pool key instead of requests' own.
        host = self._hosts.get(request.url)
        if host is None:
            host, _ = HTTPAdapter.build_connection_pool_key_attributes(self, request, verify, cert)
            if len(self._hosts) > 64:
                self._hosts.clear()
            self._hosts[request.url] = host
        return host, {'cert_reqs': 'CERT_REQUIRED', 'ssl_context': self._ssl_context}

    def cert_verify(self, conn, url, verify, cert):
        # The context already holds the trust store; a CA file here would be reloaded per connection.
        conn.cert_reqs = 'CERT_REQUIRED'
        conn.ca_certs = None
        conn.ca_cert_dir = None

    def request_url(self, request, proxies):
        return request.path_url  # never a proxy: only app.PARAMS decides where the key goes

    def build_response(self, req, resp):
        # No cookies are ever kept; urllib3's headers are already case-insensitive.
        response = requests.Response()
        response.status_code = resp.status
        response.headers = resp.headers
        response.raw = resp
        response.url = req.url
        response.request = req
        response.connection = self
        return response


_ADAPTERS = {}


def adapter(settings):
    """The process's adapter for these settings' trust store: one per store, created on first use
    (plain http, for a loopback stand-in, loads no trust store at all)."""
    key = settings.ca_bundle if settings.base.scheme == 'https' else 'plain http'
    found = _ADAPTERS.get(key)
    if found is None:
        found = _ADAPTERS.setdefault(key, BrazeAdapter(None if key == 'plain http' else _ssl_context(key)))
    return found


def _ssl_context(ca_bundle):
    """The public trust store requests uses, plus ``braze_ca_bundle``, judged by OpenSSL exactly as
    ``requests.post(verify=...)`` judges it: chain and host name, subjectAltName only (no common-name
    fallback), no partial wildcards (``r*.braze.com``)."""
    context = sockets.BoundedContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=requests.certs.where())
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True             # OpenSSL matches; urllib3's lax matcher is then skipped
    context.hostname_checks_common_name = False
    context.sslsocket_class = sockets.BoundedSSLSocket
    return context


def _prepared(url, api_key, body):
    """The request, built directly: requests' prepare() would re-parse the URL and copy an empty
    cookie jar on every call."""
    prepared = requests.PreparedRequest()
    prepared.method = 'POST'
    prepared.url = url
    prepared.headers = CaseInsensitiveDict({
        'Authorization': 'Bearer ' + api_key,
        'Content-Type': 'application/json',
        'Accept': 'application/json',
        'Accept-Encoding': 'identity',
        'User-Agent': USER_AGENT,
        'Content-Length': str(len(body)),
    })
    prepared.body = body
    return prepared


def post(transport, url, api_key, body, timeouts, deadline):
    """POST ``body`` (bytes); ``deadline`` is a time.monotonic() value. -> Answer, or WireError."""
    state = sockets.begin(deadline)
    try:
        try:
            response = transport.send(_prepared(url, api_key, body), stream=True, timeout=timeouts,
                                      verify=True, cert=None, proxies=_NO_PROXIES)
        except TRANSPORT_ERRORS as error:
            raise _failure(error, state, answered=False, url=url)
        try:
            raw, note = _read(response.raw)
        except TRANSPORT_ERRORS as error:
            response.raw.close()
            raise _failure(error, state, answered=True)
        return Answer(response.status_code, response.headers, _json(raw), note)
    finally:
        sockets.end()


def _read(raw):
    """The answer's bytes, decoded, at most MAX_ANSWER of them. -> (bytes or None, note)."""
    length = getattr(raw, 'length_remaining', None)
    if length is not None and length > MAX_ANSWER:
        raw.close()  # drop the connection: the answer is never read
        return None, _TOO_LARGE
    if length is not None:
        data = raw.read(length, decode_content=False)  # one read: Braze says how long its answer is
    else:
        chunks, size = [], 0
        while True:
            chunk = raw.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER:
                raw.close()
                return None, _TOO_LARGE
            chunks.append(chunk)
        data = b''.join(chunks)
    encoding = (raw.headers.get('Content-Encoding') or 'identity').strip().lower()
    if encoding in ('identity', ''):
        return data, ''
    if encoding not in ('gzip', 'x-gzip', 'deflate'):
        return None, 'an answer in {} encoding was not read'.format(encoding[:20])
    # We asked for identity; a server that compresses anyway gets its answer inflated with the same
    # cap, by zlib directly (urllib3's decoders have no output limit in every supported version).
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
    try:
        data = inflater.decompress(data, MAX_ANSWER + 1)
    except zlib.error:
        return None, 'a compressed answer could not be read'
    if len(data) > MAX_ANSWER:  # output stops at MAX_ANSWER + 1: anything left unread makes it that long
        return None, 'an answer over {} KiB once inflated was not read'.format(MAX_ANSWER // 1024)
    return data, ''


def _json(raw):
    if raw is None:
        return None
    try:
        return json.loads(raw.decode('utf-8', 'replace'))
    except (ValueError, RecursionError):
        return None


def _failure(error, state, answered, url=None):
    """The exception of a failed attempt -> WireError, saying whether Braze may have the request."""
    chain = _chain(error)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return WireError('unavailable', 'the TLS certificate check failed', sent=False, certificate=True)
    if url is not None and any(isinstance(e, socket.gaierror) for e in chain):
        # The name does not exist (a typo in the instance, most often): trying again cannot help, and the
        # host is no secret. For a Braze host, the REST endpoints of Braze's table it most likely meant.
        host = urlsplit(url).hostname or ''
        near = nearest_rest_hosts(host)
        return WireError('unavailable', 'could not resolve {}{}: check braze_url against Braze\'s "API and SDK '
                         'endpoints" page'.format(host[:100], ' (did you mean {}?)'.format(' or '.join(near))
                                                  if near else ''), sent=False, final=True)
    # urllib3's NewConnectionError (refused, unreachable) subclasses its connect-timeout error.
    timed_out = state.expired or any(isinstance(e, _TIMEOUTS) and not isinstance(e, NewConnectionError)
                                     for e in chain)
    if state.used:
        # Our sockets carried the attempt, so we know whether a byte of the request went out.
        sent = state.written
    else:
        # No socket of ours (an adapter stand-in, a failure before connecting): judge by the error.
        sent = answered or not any(isinstance(e, _NEVER_CONNECTED) for e in chain)
    reason = 'timeout' if timed_out else 'unavailable'
    if not sent:
        return WireError(reason, 'could not connect to Braze' + (' in time' if timed_out else ''), sent=False)
    if answered:
        return WireError(reason, 'the answer broke off ({})'.format(type(error).__name__), sent=True)
    if timed_out:
        return WireError(reason, 'Braze did not answer in time', sent=True)
    return WireError(reason, 'the connection failed after the request was sent ({})'.format(
        type(error).__name__), sent=True)


def _chain(error):
    """The error and every error it wraps (requests and urllib3 nest them several deep)."""
    found, current = [], error
    while current is not None and len(found) < 16 and current not in found:
        found.append(current)
        nested = getattr(current, 'reason', None)
        if not isinstance(nested, BaseException):
            nested = next((arg for arg in getattr(current, 'args', ()) if isinstance(arg, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return found


def monotonic_deadline(seconds_left):
    """The real-clock deadline sockets keep for an attempt with ``seconds_left``."""
    return time.monotonic() + seconds_left
