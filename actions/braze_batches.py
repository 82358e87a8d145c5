# -*- coding: utf-8 -*-
"""One user's objects -> /users/track request bodies within Braze's per-request limits
(braze_delivery sends them).

Braze: at most 75 objects combined (today's rule on every contract) or 75 per array (legacy rate
limits): braze_settings.CONTRACTS; at most 4 MB per body.
Objects keep their order across requests, so one user's updates apply as written.
"""
import collections

from . import braze_values as values

ARRAYS = ('attributes', 'events', 'purchases')
# Braze refuses bodies over 4 MB (413); stay well under it, leaving room for the envelope.
MAX_BODY_BYTES = 3500 * 1024
PARTNER = b'"partner":"pypestream"'

# body: bytes to send. labels: {array: [the caller's name of each object]}, to explain errors.
# replayable: nothing in it counts twice if Braze receives it twice.
Batch = collections.namedtuple('Batch', 'body labels objects replayable')
Batches = collections.namedtuple('Batches', 'requests too_large')



def split(objects, per_array, combined):
    """(array, label, object) in order -> ``Batches``; too_large names objects no request can hold."""
    requests, too_large, pending, counts, size = [], [], [], collections.Counter(), 0
    for array, label, obj in objects:
        encoded = values.encoded(obj)
        if len(encoded) > MAX_BODY_BYTES:
            too_large.append(label)
            continue
        full = len(pending) >= combined or (per_array is not None and counts[array] >= per_array)
        if pending and (full or size + len(encoded) > MAX_BODY_BYTES):
            requests.append(_batch(pending))
            pending, counts, size = [], collections.Counter(), 0
        pending.append((array, label, obj, encoded))
        counts[array] += 1
        size += len(encoded) + 1
    if pending:
        requests.append(_batch(pending))
    return Batches(requests, too_large)


def _batch(pending):
    # Each object is encoded once (its size decides the split); the body is those pieces joined,
    # which is the same JSON json.dumps would write for the whole body.
    labels, encoded = {}, {}
    replayable = True
    for array, label, obj, data in pending:
        labels.setdefault(array, []).append(label)
        encoded.setdefault(array, []).append(data)
        replayable = replayable and array == 'attributes' and not _counts_twice(obj)
    parts = [b'"' + array.encode() + b'":[' + b','.join(encoded[array]) + b']' for array in ARRAYS
             if array in encoded]
    parts.append(PARTNER)
    return Batch(b'{' + b','.join(parts) + b'}', labels, len(pending), replayable)


def _counts_twice(attributes):
    """inc adds again and $add appends again; sets, add/remove on string arrays, $update and
    $remove leave the same state when applied twice."""
    return any(isinstance(value, dict) and ('inc' in value or '$add' in value) for value in attributes.values())
