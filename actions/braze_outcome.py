# -*- coding: utf-8 -*-
"""What each Braze answer means for the flow. docs/behaviour.md is the same table in prose."""
import collections
import json

# The fixed set of BRAZE_ERROR values a flow can branch on.
REASONS = (
    'config',          # app.PARAMS is missing a setting or holds an unusable one; nothing was sent
    'invalid_input',   # no usable identifier in the Parameter Input; nothing was sent
    'bad_request',     # Braze refused the request as a whole (400, 413, 415)
    'unauthorized',    # 401: wrong key, key of another workspace, or wrong cluster URL
    'forbidden',       # 403: key without users.track, inactive workspace, IP allowlist, trailing slash
    'not_found',       # 404: wrong URL or path
    'rejected',        # 201 with errors: some objects were refused, the rest recorded
    'rate_limited',    # 429 and Braze's wait does not fit in the deadline
    'unavailable',     # 5xx, refused or dropped connections, TLS failures
    'timeout',         # no answer within the deadline
    'unexpected',      # an answer Braze does not document (redirect, other status, other message)
    'internal',        # a bug in this node; the log line has the exception type
)

# Status -> (reason, the likely cause to put in the log line). Never retried.
FATAL_STATUSES = {
    400: ('bad_request', 'Braze could not use the request'),
    401: ('unauthorized', 'the REST API key was refused: check the key, that it belongs to this '
                          "workspace, and that braze_url is your cluster's REST endpoint"),
    403: ('forbidden', 'the key lacks the users.track permission, the workspace is inactive, an IP '
                       'allowlist blocks this host, or the URL ends with a slash'),
    404: ('not_found', "check braze_url (your cluster's REST endpoint) and braze_user_track ('users/track')"),
    413: ('bad_request', "the request is over Braze's 4 MB limit"),
    415: ('bad_request', 'Braze wants Content-Type: application/json'),
    501: ('unavailable', 'Braze does not implement this request'),
}

# ok: recorded. rejected: 201 with errors. fatal: stop. retry: may be sent again.
Verdict = collections.namedtuple('Verdict', 'kind reason status message errors')


def classify(status, content):
    """Turn a Braze HTTP answer into a ``Verdict``."""
    body = _json(content)
    message = body.get('message') if isinstance(body, dict) else None
    errors = body.get('errors') if isinstance(body, dict) else None
    if 200 <= status < 300:
        if message != 'success':
            return Verdict('fatal', 'unexpected', status,
                           'answer {} with message {!r} instead of "success"'.format(status, _clip(message)),
                           None)
        if errors:
            return Verdict('rejected', 'rejected', status, 'Braze rejected part of the request', errors)
        return Verdict('ok', None, status, 'recorded', None)
    if status == 429:
        return Verdict('retry', 'rate_limited', status, 'rate limited by Braze', None)
    if status in FATAL_STATUSES:
        reason, cause = FATAL_STATUSES[status]
        said = ' (Braze said: {})'.format(_clip(message)) if message and status not in (401, 403) else ''
        return Verdict('fatal', reason, status, '{}{}'.format(cause, said), errors)
    if status >= 500:
        return Verdict('retry', 'unavailable', status, 'Braze answered {}'.format(status), None)
    return Verdict('fatal', 'unexpected', status,
                   'Braze answered {}, which it does not document for users/track'.format(status), None)


def describe_errors(errors, labels):
    """Braze's per-object errors -> ['events[2]: <type>'], naming the caller's own input."""
    described = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            array, index, kind = error.get('input_array'), error.get('index'), error.get('type')
            names = labels.get(array, []) if isinstance(array, str) else []
            where = names[index] if isinstance(index, int) and 0 <= index < len(names) else (array or 'request')
        else:  # Braze documents plain strings here too
            where, kind = 'request', error
        described.append('{}: {}'.format(where, _clip(kind)))
    return described


def _json(content):
    try:
        return json.loads(content.decode('utf-8', 'replace') if isinstance(content, bytes) else content)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None


def _clip(value, limit=160):
    text = value if isinstance(value, str) else json.dumps(value, default=str)[:limit]
    return text if len(text) <= limit else text[:limit - 3] + '...'
