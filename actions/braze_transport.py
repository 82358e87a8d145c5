# -*- coding: utf-8 -*-
"""The wire: one keep-alive ``requests.Session`` for every call of the node in this process."""
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError

from .braze_version import USER_AGENT


def new_session():
    session = requests.Session()
    # No ~/.netrc (it would replace the Bearer header), no proxy or CA bundle picked up from
    # the environment behind the configuration's back: only app.PARAMS decides where the key goes.
    session.trust_env = False
    # Concurrent chats in one process share the pool instead of discarding connections.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    return session


SESSION = new_session()


class TransportError(Exception):
    """No HTTP answer. ``ambiguous``: Braze may have processed the body all the same."""

    def __init__(self, reason, message, ambiguous):
        Exception.__init__(self, message)
        self.reason = reason
        self.ambiguous = ambiguous


def post(session, url, api_key, body, timeouts, verify):
    """POST one JSON body; return (status, headers, content) or raise ``TransportError``."""
    headers = {
        'Authorization': 'Bearer ' + api_key,
        'Content-Type': 'application/json',
        'Accept': 'application/json',
        'User-Agent': USER_AGENT,
    }
    try:
        # No redirects: a 3xx would carry the request, and so the key's use, somewhere unplanned.
        response = session.post(url, data=body, headers=headers, timeout=timeouts, verify=verify,
                                allow_redirects=False)
        return response.status_code, response.headers, response.content
    except requests.exceptions.ConnectTimeout:
        raise TransportError('timeout', 'could not connect within the timeout', ambiguous=False)
    except requests.exceptions.ReadTimeout:
        raise TransportError('timeout', 'Braze did not answer within the timeout', ambiguous=True)
    except requests.exceptions.SSLError:
        raise TransportError('unavailable', 'the TLS certificate check failed', ambiguous=False)
    except requests.exceptions.ConnectionError as error:
        if _never_connected(error):
            raise TransportError('unavailable', 'could not connect to Braze', ambiguous=False)
        raise TransportError('unavailable', 'the connection dropped before Braze answered', ambiguous=True)
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise TransportError('unavailable', 'the answer was cut off', ambiguous=True)


def _never_connected(error):
    """Refused, unresolvable and connect-timeout errors mean the body was never sent."""
    seen = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectTimeoutError):  # NewConnectionError is one of these
            return True
        nested = getattr(current, 'reason', None)
        if nested is None and current.args and isinstance(current.args[0], BaseException):
            nested = current.args[0]
        current = nested or current.__cause__ or current.__context__
    return False
