# -*- coding: utf-8 -*-
"""What each Braze answer means for the flow. docs/behaviour.md is the same table in prose."""
import collections
import json

from .braze_retry import AMBIGUOUS, DONE, NOT_SENT

# The fixed set of BRAZE_ERROR values a flow can branch on.
REASONS = (
    'config',          # app.PARAMS is missing a setting or holds an unusable one; nothing was sent
    'invalid_input',   # the Parameter Input cannot be used (no identifier, refused option); nothing sent
    'bad_request',     # Braze refused the request as a whole (400, 413, 415)
    'unauthorized',    # 401: wrong key, key of another workspace, or wrong cluster URL
    'forbidden',       # 403: key without the endpoint's permission, inactive workspace, IP allowlist
    'not_found',       # 404: wrong URL or path
    'rejected',        # Braze refused some objects and recorded the rest
    'conflict',        # identify: the chat's alias belongs to another customer; nothing changed
    'rate_limited',    # 429 and Braze's wait does not fit in the deadline
    'unavailable',     # 5xx, refused or dropped connections, TLS failures
    'timeout',         # no answer within the deadline
    'unexpected',      # an answer Braze does not document (redirect, other status, other message)
    'internal',        # a bug in this package; the log line has the exception type
)

# Status -> (reason, the likely cause for the log line; {permission} is the endpoint's). Not retried.
REFUSALS = {
    400: ('bad_request', 'Braze could not use the request'),
    401: ('unauthorized', 'the REST API key was refused: check the key, that it belongs to this '
                          "workspace, and that braze_url is your cluster's REST endpoint"),
    403: ('forbidden', 'the key lacks the {permission} permission, the workspace is inactive, or an '
                       'IP allowlist blocks this host'),
    404: ('not_found', "check braze_url (your cluster's REST endpoint)"),
    413: ('bad_request', "the request is over Braze's 4 MB limit"),
    415: ('bad_request', 'Braze wants Content-Type: application/json'),
    501: ('unavailable', 'Braze does not implement this request'),
}

# ending: see braze_retry. reason: None while recorded. errors: Braze's per-object errors, if any.
Verdict = collections.namedtuple('Verdict', 'ending reason status message errors body')


def classify(status, body, permission):
    """A Braze HTTP answer (its JSON body, or None) -> ``Verdict``."""
    message = body.get('message') if isinstance(body, dict) else None
    errors = body.get('errors') if isinstance(body, dict) else None
    if 200 <= status < 300:
        if message != 'success':
            return verdict(DONE, 'unexpected', status, 'answer {} with message {} instead of "success"'.format(
                status, text(message)), body=body)
        if errors:
            return verdict(DONE, 'rejected', status, 'Braze refused part of the request', errors, body)
        return verdict(DONE, None, status, 'recorded', body=body)
    if status == 429:
        return verdict(NOT_SENT, 'rate_limited', status, 'rate limited by Braze', body=body)
    if status == 502:  # Braze documents 502 as a failure before its server: nothing was processed
        return verdict(NOT_SENT, 'unavailable', status, 'Braze answered 502', body=body)
    if status in REFUSALS:
        reason, cause = REFUSALS[status]
        said = ' (Braze said: {})'.format(text(message)) if message and status not in (401, 403) else ''
        return verdict(DONE, reason, status, cause.format(permission=permission) + said, errors, body)
    if 500 <= status < 600:
        return verdict(AMBIGUOUS, 'unavailable', status, 'Braze answered {}'.format(status), body=body)
    return verdict(DONE, 'unexpected', status, 'Braze answered {}, which it does not document here'.format(status),
                   body=body)


def unanswered(failure):
    """An attempt with no usable answer (braze_wire.WireError) -> ``Verdict``. The ending follows
    from what Braze may hold: a refused certificate or a name that does not resolve is final, a
    request that may have arrived is ambiguous, one that never left is not sent. Answers and failures
    are judged here alike."""
    ending = DONE if failure.final else AMBIGUOUS if failure.sent else NOT_SENT
    return verdict(ending, failure.reason, None, str(failure))


def verdict(ending, reason, status, message, errors=None, body=None):
    return Verdict(ending=ending, reason=reason, status=status, message=message, errors=errors, body=body)


def refused_inputs(errors, labels):
    """Braze's per-object errors -> {the caller's name for each refused input: Braze's message}.

    Entries are ``{"type", "input_array", "index"}`` (parsed leniently: plain strings too); the
    index is mapped back to the caller's own input through ``labels`` ({array: [label, ...]}).
    Each input is named once, whatever the answer repeats.
    """
    refused = collections.OrderedDict()
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            array, index = error.get('input_array'), error.get('index')
            names = labels.get(array, ()) if isinstance(array, str) else ()
            where = names[index] if isinstance(index, int) and 0 <= index < len(names) else 'request'
            kind = error.get('type')
        else:
            where, kind = 'request', error
        refused.setdefault(where, text(kind))
    return refused


def text(value):
    """Braze's words as text (they are masked and clipped where they are shown)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)
    except (ValueError, TypeError, RecursionError):
        return type(value).__name__
