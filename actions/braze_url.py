# -*- coding: utf-8 -*-
"""Where the API key may go: the REST host check and the endpoint paths.

The key travels in the Authorization header of every request, so the host it is sent to is
judged as the HTTP stack will see it. Two URL parsers that disagree (``urlsplit`` reads
``https://evil.example\\.braze.com`` as a Braze host, urllib3 connects to ``evil.example``) are
the classic way to leak it; so the URL is first held to a grammar small enough that every parser
reads it alike, then the final URL is parsed by urllib3 (what requests connects with) and by the
standard library, and both must agree with our reading (the first here, urllib3's in
``braze_wire.agrees``, so that this module, which a node that calls nothing also reads, needs only
the standard library).
"""
import collections
import ipaddress
import re
from urllib.parse import urlsplit

from . import braze_declarations as declarations

# Braze's REST hosts live under these domains (rest.iad-01.braze.com, rest.fra-01.braze.eu, ...).
BRAZE_DOMAINS = ('.braze.com', '.braze.eu')


# Braze's "API and SDK endpoints" page: instance -> (dashboard host, REST host, SDK host). The page lists
# US-01..08, US-10, EU-01/02 and AU-01 this way; ID-01, JP-01 and KR-01 are taken to follow AU-01's
# names (their REST hosts are Braze's; their dashboard and SDK names are our inference).
INSTANCES = {
    'US-01': ('dashboard-01.braze.com', 'rest.iad-01.braze.com', 'sdk.iad-01.braze.com'),
    'US-02': ('dashboard-02.braze.com', 'rest.iad-02.braze.com', 'sdk.iad-02.braze.com'),
    'US-03': ('dashboard-03.braze.com', 'rest.iad-03.braze.com', 'sdk.iad-03.braze.com'),
    'US-04': ('dashboard-04.braze.com', 'rest.iad-04.braze.com', 'sdk.iad-04.braze.com'),
    'US-05': ('dashboard-05.braze.com', 'rest.iad-05.braze.com', 'sdk.iad-05.braze.com'),
    'US-06': ('dashboard-06.braze.com', 'rest.iad-06.braze.com', 'sdk.iad-06.braze.com'),
    'US-07': ('dashboard-07.braze.com', 'rest.iad-07.braze.com', 'sdk.iad-07.braze.com'),
    'US-08': ('dashboard-08.braze.com', 'rest.iad-08.braze.com', 'sdk.iad-08.braze.com'),
    'US-10': ('dashboard.us-10.braze.com', 'rest.us-10.braze.com', 'sdk.us-10.braze.com'),
    'EU-01': ('dashboard-01.braze.eu', 'rest.fra-01.braze.eu', 'sdk.fra-01.braze.eu'),
    'EU-02': ('dashboard-02.braze.eu', 'rest.fra-02.braze.eu', 'sdk.fra-02.braze.eu'),
    'AU-01': ('dashboard.au-01.braze.com', 'rest.au-01.braze.com', 'sdk.au-01.braze.com'),
    'ID-01': ('dashboard.id-01.braze.com', 'rest.id-01.braze.com', 'sdk.id-01.braze.com'),
    'JP-01': ('dashboard.jp-01.braze.com', 'rest.jp-01.braze.com', 'sdk.jp-01.braze.com'),
    'KR-01': ('dashboard.kr-01.braze.com', 'rest.kr-01.braze.com', 'sdk.kr-01.braze.com'),
}
REST_HOSTS = tuple(sorted(rest for _, rest, _ in INSTANCES.values()))
# A dashboard or SDK host -> (instance, the REST host of that instance): the key must never go there.
NOT_REST = dict((host, (name, rest)) for name, (dashboard, rest, sdk) in INSTANCES.items() for host in (dashboard, sdk))
NOT_REST['dashboard.braze.com'] = ('', '')  # the login page that sends each user to their instance's dashboard


def nearest_rest_hosts(host):
    """The REST hosts of Braze's table a mistyped Braze host most likely meant (none for another host)."""
    if not host.endswith(BRAZE_DOMAINS):
        return []
    return declarations.close_matches(host, REST_HOSTS, n=2, cutoff=0.8)

_URL = re.compile(r'^(?P<scheme>https?)://(?P<host>[a-z0-9.-]+|\[::1\])(?::(?P<port>[0-9]{1,5}))?'
                  r'(?P<prefix>(?:/[A-Za-z0-9_~.-]+)*)/?$')
_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
_PATH = re.compile(r'^[a-z0-9_]+(?:/[a-z0-9_]+)*$')

BaseUrl = collections.namedtuple('BaseUrl', 'scheme host port prefix')


class UrlError(ValueError):
    """The URL is unusable; the message never quotes it (it may hold a key)."""


def check_base_url(raw, allowed_host=None):
    """``braze_url`` -> ``BaseUrl``, or ``UrlError`` naming what is wrong."""
    if not isinstance(raw, str):
        raise UrlError('braze_url must be text')
    text = raw.strip()
    # Characters that parsers read differently, or that smuggle a second host (userinfo, an IPv6
    # zone id, a query): refused anywhere in the URL.
    if any(ch in text for ch in '\\%@?#') or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise UrlError('braze_url must not hold a backslash, %, @, ?, #, spaces or control characters')
    scheme, _, rest = text.partition('://')
    authority, slash, path = rest.partition('/')
    if authority.startswith('['):
        host, bracket, port = authority.partition(']')
        host += bracket
        colon, port = port[:1], port[1:]
    else:
        host, colon, port = authority.partition(':')
    try:
        # An internationalised host name is compared in its ASCII (IDNA) form.
        host = host.encode('idna').decode('ascii') if not host.isascii() else host
    except UnicodeError:
        raise UrlError('braze_url has a host name that is not a valid international name')
    match = _URL.match('{}://{}{}{}{}{}'.format(scheme.lower(), host.lower(), colon, port, slash, path))
    if not match:
        raise UrlError('braze_url must look like https://rest.iad-01.braze.com')
    base = BaseUrl(match.group('scheme'), match.group('host'), _port(match.group('port')),
                   match.group('prefix').rstrip('/'))
    loopback = _is_loopback(base.host)
    if base.scheme != 'https' and not loopback:
        raise UrlError('braze_url must start with https:// (http:// only for a loopback stand-in)')
    if not loopback and not all(_LABEL.match(label) for label in base.host.split('.')):
        raise UrlError('braze_url has a malformed host name')
    if base.host in NOT_REST:  # the dashboard's or the SDK's host: the key would go where no REST API answers
        instance, rest = NOT_REST[base.host]
        raise UrlError('braze_url is the {} of {}, not its REST endpoint: write {} (Braze\'s "API and SDK '
                       'endpoints" page)'.format('SDK endpoint' if base.host.startswith('sdk.') else 'dashboard',
                                                 'instance ' + instance if instance else 'Braze',
                                                 'https://' + rest if rest else 'the REST endpoint of your instance, '
                                                 'e.g. https://rest.iad-01.braze.com'))
    custom = bool(allowed_host) and base.host == str(allowed_host).strip().lower()
    if not (loopback or custom or base.host.endswith(BRAZE_DOMAINS)):
        raise UrlError('braze_url host is not a Braze REST host (*.braze.com, *.braze.eu); '
                       'set braze_allowed_host to use a proxy')
    if any(segment in ('.', '..') for segment in base.prefix.split('/')):
        raise UrlError('braze_url path must not hold . or .. segments')
    return base


def endpoint_url(base, path):
    """The full URL of one endpoint, checked against the standard library's reading."""
    if not _PATH.match(path):
        raise UrlError('an endpoint path must be a plain path such as users/track')
    netloc = base.host if base.port is None else '{}:{}'.format(base.host, base.port)
    url = '{}://{}{}/{}'.format(base.scheme, netloc, base.prefix, path)
    split = urlsplit(url)
    # Unreachable while _URL is this strict (every URL it admits, both parsers read alike: the
    # Hypothesis test in test_settings tries them); kept because it is what makes a future, looser
    # grammar or a parser that changes its reading fail closed instead of sending the key elsewhere.
    if (split.hostname, split.port, split.username) != (base.host.strip('[]'), base.port, None):
        raise UrlError(DISAGREE)
    return url


DISAGREE = 'braze_url is read differently by the HTTP stack; write it as https://host[:port]'


def _port(text):
    if text is None:
        return None
    port = int(text)
    if not 0 < port < 65536:
        raise UrlError('braze_url has a port outside 1-65535')
    return port


def _is_loopback(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False
