# -*- coding: utf-8 -*-
"""Split one user's objects into ``/users/track`` bodies within Braze's per-request limits."""
import collections
import json

ARRAYS = ('attributes', 'events', 'purchases')
# Braze refuses bodies over 4 MB (413); stay well under it, leaving room for the envelope.
MAX_BODY_BYTES = 3500 * 1024
PARTNER = b'"partner":"pypestream"'

# body: bytes to send. labels: {array: [caller's name of each object]} to explain errors.
# replayable: nothing in it counts twice when Braze receives it twice (no events, purchases, inc).
TrackRequest = collections.namedtuple('TrackRequest', 'body labels objects replayable')


def build_requests(objects, max_objects):
    """(array, label, object) in order -> [TrackRequest], at most ``max_objects`` objects each.

    Objects keep their order across requests, so one user's updates apply as written.
    Returns (requests, too_large) where too_large lists labels of objects over the size limit.
    """
    requests, too_large, pending, size = [], [], [], 0
    for array, label, obj in objects:
        encoded = _encode(obj)
        if len(encoded) > MAX_BODY_BYTES:
            too_large.append(label)
            continue
        if pending and (len(pending) >= max_objects or size + len(encoded) > MAX_BODY_BYTES):
            requests.append(_request(pending))
            pending, size = [], 0
        pending.append((array, label, obj, encoded))
        size += len(encoded) + 1
    if pending:
        requests.append(_request(pending))
    return requests, too_large


# ASCII-only JSON: a lone surrogate from a broken client still makes a valid body. One encoder
# for the process: json.dumps with options would build a new one for every object.
_ENCODER = json.JSONEncoder(separators=(',', ':'), allow_nan=False)


def _encode(obj):
    return _ENCODER.encode(obj).encode('ascii')


def _request(pending):
    # Each object is encoded once (its size decides the split); the body is those pieces
    # joined, which is the same JSON json.dumps would write for the whole body.
    labels, encoded = {}, {}
    replayable = True
    for array, label, obj, data in pending:
        labels.setdefault(array, []).append(label)
        encoded.setdefault(array, []).append(data)
        replayable = replayable and array == 'attributes' and not _increments(obj)
    parts = [b'"' + array.encode() + b'":[' + b','.join(encoded[array]) + b']' for array in ARRAYS
             if array in encoded]
    parts.append(PARTNER)
    return TrackRequest(b'{' + b','.join(parts) + b'}', labels, len(pending), replayable)


def _increments(attributes):
    return any(isinstance(value, dict) and 'inc' in value for value in attributes.values())
