# -*- coding: utf-8 -*-
"""Read and check one environment block of ``app.PARAMS`` for the Braze node.

Everything here runs before any HTTP call: a setting that is missing, still holds the
template's ``{ ... }`` placeholder, or would send the key somewhere unexpected stops the
node with a ``config`` error and a log line naming the setting (never its value).
"""
import collections
import ipaddress
import math
import os
from urllib.parse import urlsplit

# Pypestream names its runtimes sandbox and live; Braze's partner page uses prod.
ENV_ALIASES = {'prod': 'live', 'live': 'prod', 'production': 'live'}

# Braze's REST hosts all live under these domains (rest.iad-01.braze.com, rest.fra-01.braze.eu, ...).
BRAZE_DOMAINS = ('.braze.com', '.braze.eu')

Settings = collections.namedtuple('Settings', [
    'env', 'url', 'api_key', 'connect_timeout', 'read_timeout', 'deadline',
    'max_attempts', 'max_objects', 'retry_non_idempotent', 'verify',
])

# name -> (converter, default, low, high). One table so every optional setting is checked alike.
_NUMBERS = collections.OrderedDict([
    ('braze_connect_timeout', (float, 2.0, 0.05, 30.0)),
    ('braze_read_timeout', (float, 4.0, 0.05, 60.0)),
    ('braze_deadline', (float, 6.0, 0.1, 120.0)),
    ('braze_max_attempts', (int, 3, 1, 10)),
    # Braze's current default is 75 objects per request across the three arrays; MAU
    # contracts say 50, legacy contracts 75 per array (225).
    ('braze_max_objects', (int, 75, 1, 225)),
])

_TRUE = ('1', 'true', 'yes', 'on')
_FALSE = ('0', 'false', 'no', 'off', '')


class ConfigError(Exception):
    """A setting is unusable. The message names the setting, never its value."""


def is_missing(value):
    """Pypestream hands unset globals over as None or "None"; the template leaves "{ ... }"."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return text in ('', 'None') or (text.startswith('{') and text.endswith('}'))
    return False


# Checked settings by (env, the block's items): PARAMS is read on every call, but only a block
# that changed is checked again. Bounded, in case a solution rewrites PARAMS per chat.
_CHECKED = {}
_CHECKED_MAX = 32


def load_settings(app_module, context):
    """Return the ``Settings`` for ``context['env']`` or raise ``ConfigError``."""
    env = context.get('env') if isinstance(context, dict) else None
    if not isinstance(env, str) or not env.strip():
        raise ConfigError("context['env'] is missing: expected 'sandbox' or 'live'")
    params_by_env = getattr(app_module, 'PARAMS', None)
    if not isinstance(params_by_env, dict):
        raise ConfigError('app.PARAMS is missing or is not a dict')
    env = env.strip().lower()
    params = env_block(params_by_env, env)
    try:
        key = (env, frozenset(params.items()))
    except TypeError:  # an unhashable value: check it every time
        return _check(env, params)
    settings = _CHECKED.get(key)
    if settings is None:
        settings = _check(env, params)
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()
        _CHECKED[key] = settings
    return settings


def _check(env, params):
    numbers = {name: _number(params, name, *spec) for name, spec in _NUMBERS.items()}
    api_key = _api_key(params.get('braze_api_key'))
    return Settings(
        env=env,
        url=_url(params.get('braze_url'), params.get('braze_user_track', 'users/track'),
                 params.get('braze_allowed_host')),
        api_key=api_key,
        connect_timeout=numbers['braze_connect_timeout'],
        read_timeout=numbers['braze_read_timeout'],
        deadline=numbers['braze_deadline'],
        max_attempts=numbers['braze_max_attempts'],
        max_objects=numbers['braze_max_objects'],
        retry_non_idempotent=_flag(params, 'braze_retry_non_idempotent'),
        verify=_verify(params.get('braze_ca_bundle')),
    )


def env_block(params_by_env, env):
    for name in (env, ENV_ALIASES.get(env)):
        block = params_by_env.get(name)
        if isinstance(block, dict):
            return block
    raise ConfigError("app.PARAMS has no block for environment '{}' (known: {})".format(
        env[:40], ', '.join(sorted(str(k) for k in params_by_env)) or 'none'))


def _api_key(value):
    if is_missing(value) or not isinstance(value, str):
        raise ConfigError('braze_api_key is not set (BRAZE_API_KEY or BRAZE_<ENV>_API_KEY)')
    key = value.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) > 126 for ch in key):
        raise ConfigError('braze_api_key holds spaces or non-ASCII characters: copy the key again')
    return key


def _url(base, path, allowed_host):
    if is_missing(base) or not isinstance(base, str):
        raise ConfigError('braze_url is not set (BRAZE_URL or BRAZE_<ENV>_URL)')
    if not isinstance(path, str) or is_missing(path):
        raise ConfigError("braze_user_track must be 'users/track'")
    try:
        parts = urlsplit(base.strip())
        host = (parts.hostname or '').lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError('braze_url is not a valid URL')
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError('braze_url must not carry credentials, a query or a fragment')
    loopback = _is_loopback(host)
    if parts.scheme != 'https' and not (parts.scheme == 'http' and loopback):
        raise ConfigError('braze_url must start with https:// (http:// only for a loopback stand-in)')
    custom = not is_missing(allowed_host) and host == str(allowed_host).strip().lower()
    if not (loopback or custom or host.endswith(BRAZE_DOMAINS)):
        # A typo must not send the key to someone else's server.
        raise ConfigError('braze_url host is not a Braze REST host (*.braze.com, *.braze.eu); '
                          'set braze_allowed_host to use a proxy')
    # Braze answers 403 to /users/track/ : never leave a trailing slash.
    return '{}://{}{}/{}'.format(parts.scheme, parts.netloc, parts.path.rstrip('/'), path.strip().strip('/'))


def _is_loopback(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _number(params, name, kind, default, low, high):
    value = params.get(name)
    if is_missing(value):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (low <= number <= high) or (kind is int and not number.is_integer()):
        raise ConfigError('{} must be a number between {} and {}'.format(name, low, high))
    return kind(number)


def _flag(params, name):
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE or text == 'none':
        return False
    raise ConfigError('{} must be true or false'.format(name))


def _verify(ca_bundle):
    # TLS verification is always on; a setting may only add a CA bundle (for a corporate
    # proxy or a local HTTPS stand-in), never turn checking off.
    if is_missing(ca_bundle) or isinstance(ca_bundle, bool):
        return True
    path = str(ca_bundle).strip()
    if not os.path.isfile(path):
        raise ConfigError('braze_ca_bundle is not a readable file')
    return path
