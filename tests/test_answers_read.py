# -*- coding: utf-8 -*-
"""How the wire reads an answer (braze_wire._read) on urllib3's own response objects: the size cap at
its exact edge, framed by length or not, each compression Braze might send anyway, and the note each
refusal leaves in the log."""
import gzip
import io
import zlib

import pytest
from urllib3.response import HTTPResponse

from support import load_module

wire = load_module('actions.braze_wire')
CAP = wire.MAX_ANSWER


def response(body, encoding=None, framed=True):
    headers = {'Content-Type': 'application/json'}
    if framed:
        headers['Content-Length'] = str(len(body))
    if encoding:
        headers['Content-Encoding'] = encoding
    # decode_content=True is urllib3's default for the responses its pools make: the wire must ask for
    # the raw bytes itself.
    return HTTPResponse(body=io.BytesIO(body), headers=headers, status=201, preload_content=False,
                        decode_content=True)


@pytest.mark.parametrize('framed', [True, False], ids=['content-length', 'unframed'])
def test_the_cap_is_exact(framed):
    assert wire._read(response(b'x' * CAP, framed=framed)) == (b'x' * CAP, '')
    assert wire._read(response(b'x' * (CAP + 1), framed=framed)) == (None, 'an answer over 1024 KiB was not read')


@pytest.mark.parametrize('framed', [True, False], ids=['content-length', 'unframed'])
@pytest.mark.parametrize('encoding, pack', [
    ('gzip', gzip.compress), ('x-gzip', gzip.compress), ('deflate', zlib.compress), (' GZIP ', gzip.compress)])
def test_a_compressed_answer_is_inflated_once_by_us(encoding, pack, framed):
    body = b'{"message": "success"}'
    assert wire._read(response(pack(body), encoding, framed)) == (body, '')


@pytest.mark.parametrize('encoding', ['identity', '', None])
def test_an_identity_answer_is_read_as_it_is(encoding):
    assert wire._read(response(b'{"a": 1}', encoding)) == (b'{"a": 1}', '')


def test_an_unknown_encoding_is_not_read_and_named_briefly():
    assert wire._read(response(b'xx', 'br')) == (None, 'an answer in br encoding was not read')
    assert wire._read(response(b'xx', 'e' * 50)) == (None, 'an answer in {} encoding was not read'.format('e' * 20))


def test_a_broken_compressed_answer_is_not_read():
    assert wire._read(response(b'not gzip at all', 'gzip')) == (None, 'a compressed answer could not be read')


def test_json_with_bytes_that_are_not_utf8_is_still_read():
    """Braze's answer is JSON; a stray byte inside a string must not turn success into 'unexpected'."""
    assert wire._json(b'{"message": "success", "x": "\xff"}') == {'message': 'success', 'x': '\ufffd'}
    assert wire._json(b'not json') is None and wire._json(None) is None


def test_the_cap_holds_after_inflating_too():
    assert wire._read(response(gzip.compress(b'y' * CAP), 'gzip')) == (b'y' * CAP, '')
    assert wire._read(response(gzip.compress(b'y' * (CAP + 1)), 'gzip')) == (
        None, 'an answer over 1024 KiB once inflated was not read')
