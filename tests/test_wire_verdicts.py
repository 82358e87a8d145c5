# -*- coding: utf-8 -*-
"""The wire's verdicts and the batcher's limits as exact values: each failure's reason, words and
"may Braze have it"; how far an error chain is followed; a blank Content-Encoding; the headers a
request carries; the byte limits of a request body, at and one past each edge."""
import socket
import ssl

import pytest
import requests
from urllib3.exceptions import NewConnectionError, ProtocolError

from support import API_KEY, load_module

wire = load_module('actions.braze_wire')
sockets = load_module('actions.braze_sockets')
batches = load_module('actions.braze_batches')
values = load_module('actions.braze_values')


def state(used=False, written=False, expired=False):
    found = sockets.CallState(None)
    found.used, found.written, found.expired = used, written, expired
    return found


def refused_connection():
    return NewConnectionError(None, 'connection refused')


FAILURES = [
    ('certificate', ssl.SSLCertVerificationError('bad cert'), state(), False,
     ('unavailable', 'the TLS certificate check failed', False, True)),
    ('refused', refused_connection(), state(), False, ('unavailable', 'could not connect to Braze', False, False)),
    ('connect timeout', requests.exceptions.ConnectTimeout('slow'), state(), False,
     ('timeout', 'could not connect to Braze in time', False, False)),
    ('nothing written by our socket', socket.timeout('t'), state(used=True), False,
     ('timeout', 'could not connect to Braze in time', False, False)),
    ('read timeout after writing', socket.timeout('t'), state(used=True, written=True), False,
     ('timeout', 'Braze did not answer in time', True, False)),
    ('broke off while reading', ProtocolError('gone'), state(used=True, written=True), True,
     ('unavailable', 'the answer broke off (ProtocolError)', True, False)),
    ('reset after sending', ConnectionResetError('reset'), state(used=True, written=True), False,
     ('unavailable', 'the connection failed after the request was sent (ConnectionResetError)', True, False)),
    ('deadline cut the read', OSError('cut'), state(used=True, written=True, expired=True), False,
     ('timeout', 'Braze did not answer in time', True, False)),
    ('a stand-in transport, no socket of ours', requests.exceptions.ConnectionError('x'), state(), False,
     ('unavailable', 'the connection failed after the request was sent (ConnectionError)', True, False)),
]


@pytest.mark.parametrize('name, error, attempt, answered, expected', FAILURES, ids=[f[0] for f in FAILURES])
def test_each_failure_has_its_exact_verdict(name, error, attempt, answered, expected):
    found = wire._failure(error, attempt, answered)
    assert (found.reason, str(found), found.sent, found.certificate) == expected


def chained(depth, innermost):
    """``innermost`` wrapped ``depth - 1`` times, each wrapper naming the one inside as its cause."""
    error = innermost
    for _ in range(depth - 1):
        outer = ValueError('wrapper')
        outer.__cause__ = error
        error = outer
    return error


def test_an_error_chain_is_followed_sixteen_deep_through_causes_and_arguments():
    assert wire._failure(chained(16, ssl.SSLCertVerificationError('x')), state(), False).certificate
    assert not wire._failure(chained(17, ssl.SSLCertVerificationError('x')), state(), False).certificate
    wrapped = requests.exceptions.SSLError(ssl.SSLCertVerificationError('x'))   # requests keeps it in args
    assert wire._failure(wrapped, state(), False).certificate
    caused = ValueError('outer')
    caused.__cause__ = ssl.SSLCertVerificationError('x')   # a cause with no context
    assert caused.__context__ is None and wire._failure(caused, state(), False).certificate


class Raw(object):
    def __init__(self, data, encoding, length=None):
        self.data, self.headers, self.length_remaining = data, {'Content-Encoding': encoding}, length

    def read(self, amount=None, decode_content=False):
        data, self.data = self.data[:amount] if amount else self.data, b''
        return data

    def close(self):
        pass


@pytest.mark.parametrize('encoding', ['', '  ', 'identity', ' Identity '])
def test_a_blank_or_identity_encoding_is_read_as_it_is(encoding):
    assert wire._read(Raw(b'{"message": "success"}', encoding)) == (b'{"message": "success"}', '')
    assert wire._read(Raw(b'{"message": "success"}', encoding, length=22)) == (b'{"message": "success"}', '')


def test_a_request_carries_exactly_these_headers_and_bytes():
    prepared = wire._prepared('https://rest.iad-01.braze.com/users/track', API_KEY, b'{"a":1}')
    assert dict(prepared.headers) == {
        'Authorization': 'Bearer ' + API_KEY, 'Content-Type': 'application/json', 'Accept': 'application/json',
        'Accept-Encoding': 'identity', 'User-Agent': load_module('actions.braze_version').USER_AGENT,
        'Content-Length': '7'}
    assert (prepared.method, prepared.url, prepared.body) == ('POST', 'https://rest.iad-01.braze.com/users/track',
                                                              b'{"a":1}')


# --- request bodies at Braze's size limit ---------------------------------------------------------------

LIMIT = batches.MAX_BODY_BYTES


def sized(label, length):
    """An attributes object whose encoding is exactly ``length`` bytes."""
    base = len(values.encoded({'external_id': 'u', 'a': ''}))
    obj = {'external_id': 'u', 'a': 'x' * (length - base)}
    assert len(values.encoded(obj)) == length
    return ('attributes', label, obj)


def test_an_object_of_exactly_the_limit_is_sent_one_byte_more_is_too_large_and_the_next_still_goes():
    split = batches.split([sized('at', LIMIT), sized('over', LIMIT + 1), sized('small', 100)], None, 50)
    assert split.too_large == ['over']
    assert [batch.labels for batch in split.requests] == [{'attributes': ['at']}, {'attributes': ['small']}]


@pytest.mark.parametrize('second, requests_expected', [(LIMIT - 1001, 1), (LIMIT - 1000, 2)])
def test_two_objects_share_a_request_while_they_and_a_comma_fit(second, requests_expected):
    split = batches.split([sized('a', 1000), sized('b', second)], None, 50)
    assert len(split.requests) == requests_expected


def test_after_a_full_request_the_next_one_starts_empty():
    objects = [sized('a', 50), sized('b', 50), sized('c', 1000), sized('d', LIMIT - 1001)]
    split = batches.split(objects, None, 2)
    assert [batch.labels['attributes'] for batch in split.requests] == [['a', 'b'], ['c', 'd']]


class _BrokenRaw(object):
    """An answer whose body breaks off after the status and headers arrived."""
    length_remaining, headers, closed = None, {}, False

    def read(self, *args, **kwargs):
        raise ProtocolError('gone')

    def close(self):
        self.closed = True


class _Answering(object):
    def __init__(self, raw):
        self.raw, self.status_code, self.headers = raw, 201, {}

    def send(self, request, **options):
        return self


def test_an_answer_that_breaks_off_in_its_body_is_said_so_and_may_have_been_recorded():
    raw = _BrokenRaw()
    with pytest.raises(wire.WireError) as broken:
        wire.post(_Answering(raw), 'https://rest.iad-01.braze.com/users/track', API_KEY, b'{}', (1.0, 1.0), None)
    assert (broken.value.reason, str(broken.value), broken.value.sent) == (
        'unavailable', 'the answer broke off (ProtocolError)', True)
    assert raw.closed  # the connection is dropped, never put back half-read
