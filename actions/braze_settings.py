# -*- coding: utf-8 -*-
"""One environment block of ``app.PARAMS`` -> checked, read-only ``Settings`` for one node.

A node checks only the settings its declaration names (braze_declarations: the transport's when it
calls Braze, then its own), so a malformed ``braze_campaigns`` fails BrazeCampaignTrigger and no
other node. Everything here runs before any HTTP call: a setting that is missing, still holds the
template's ``{ ... }`` placeholder, or would send the key somewhere unexpected stops the node with a
``config`` error and a log line naming the setting, never its value. Standard library only: a node
that calls no endpoint (BrazeVerifyLink) carries no HTTP library.
"""
import math
import os
import re

from . import braze_conventions as conventions
from . import braze_declarations as declarations
from .braze_url import UrlError, check_base_url, endpoint_url
from .braze_values import InvalidValue, boolean

# name -> (kind, default, low, high). One table, so every number is checked alike.
NUMBERS = {
    'braze_connect_timeout': (float, 2.0, 0.05, 30.0),
    'braze_read_timeout': (float, 4.0, 0.05, 60.0),
    'braze_deadline': (float, 6.0, 0.1, 120.0),
    'braze_max_attempts': (int, 3, 1, 10),
    'braze_max_objects': (int, None, 1, 225),
    'braze_link_max_age': (float, 30 * 24 * 3600.0, 60.0, 366 * 24 * 3600.0),
}

# Objects per /users/track request, (per array, combined). Braze's rate-limit page today: "Up to 75
# total objects combined across attributes, events, and purchases per API request. Customers on
# legacy rate limits can include up to 75 objects per array independently"; the /users/track page's
# section for Monthly-Active-User contracts says "up to 75 updates combined" too. So 75 combined is
# valid under every contract and is the default (mau and standard alike); `legacy` is 75 per array.
CONTRACTS = {'mau': (None, 75), 'standard': (None, 75), 'legacy': (75, 225)}
TRACK_PATH = declarations.TRACK.path
MIN_SECRET = 32  # characters of a link secret: an HMAC-SHA256 key this long cannot be guessed


class SettingsError(Exception):
    """A setting is unusable. The message names the setting, never its value."""


class Settings(object):
    """Checked settings of one environment, for the settings ``names`` (default: ALL_SETTINGS).
    Built once per distinct PARAMS block and node (see ``load``); a setting not named is absent."""

    def __init__(self, params, names=None):
        names = ALL_SETTINGS if names is None else frozenset(names)
        self._urls = {}
        for name, check in CHECKS:
            if name in names:
                check(self, params)

    def url(self, path, verify=None):
        """The full URL of an endpoint path ('users/track', ...), checked once (``verify``: the HTTP
        stack's own reading of it, braze_wire.agrees) and remembered."""
        url = self._urls.get(path)
        if url is None:
            try:
                url = endpoint_url(self.base, path)
                if verify is not None:
                    verify(url, self.base)
            except UrlError as error:
                raise SettingsError(str(error))
            self._urls[path] = url
        return url


# Checked settings by (names, env, the block's contents): PARAMS is read on every call, but a block
# is checked again only when it changed. Bounded, in case a solution rewrites PARAMS per chat.
_CHECKED = {}
_CHECKED_MAX = 32


def load(app_module, context, names=None):
    """``app.PARAMS[context['env']]`` -> ``Settings`` of the settings ``names`` (a node's:
    braze_declarations.settings_of), or ALL_SETTINGS; ``SettingsError`` naming the first unusable one."""
    names = ALL_SETTINGS if names is None else frozenset(names)
    env = context.get('env') if isinstance(context, dict) else None
    if not isinstance(env, str) or not env.strip():
        raise SettingsError("context['env'] is missing: expected 'sandbox' or 'live'")
    params_by_env = getattr(app_module, 'PARAMS', None)
    if not isinstance(params_by_env, dict):
        raise SettingsError('app.PARAMS is missing or is not a dict')
    env = env.strip().lower()
    block = environment_block(params_by_env, env)
    key = (names, env, _frozen(block))
    settings = _CHECKED.get(key) if key[2] is not None else None
    if settings is None:
        settings = Settings(block, names)
        if key[2] is not None:
            if len(_CHECKED) >= _CHECKED_MAX:
                _CHECKED.clear()
            _CHECKED[key] = settings
    return settings


def _json_text(value, name, example):
    """A setting given as text (from an environment variable) -> the JSON object it holds, or None
    for an unset one. Only ``None``, ``""`` and a placeholder such as ``{ BRAZE LINK SECRETS }`` are
    unset: a Python dict (``{'k': 'v'}``) or any other text is a setting written wrong, and said so."""
    parsed = conventions.parse_json_object(value)
    if parsed is not None:
        return parsed
    text = value.strip()
    if text in ('', 'None') or _PLACEHOLDER.match(text):
        return None
    hint = ' (single quotes? JSON needs double quotes)' if "'" in text else ''
    raise SettingsError('{} is text but not a JSON object{}: write {}'.format(name, hint, example))


# The template's placeholders: braces around words, as the partner page writes them.
_PLACEHOLDER = re.compile(r'\{\s*[A-Za-z_][A-Za-z0-9_ ]*\}')
# A Braze subscription group id: a UUID (Braze's error for another value: BAD_SUBSCRIPTION_GROUP_ID).
_UUID = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')


def _secrets(value, shortest):
    if isinstance(value, str):
        value = _json_text(value, 'braze_link_secrets', '{"kid": "secret"}')
    if conventions.is_missing(value) or value == {}:
        raise SettingsError('braze_link_secrets is not set: BrazeVerifyLink needs {"kid": "secret"}')
    if not isinstance(value, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                              for k, v in value.items()):
        raise SettingsError('braze_link_secrets must map key ids to secrets, e.g. {"2026-11": "<secret>"}')
    if any(len(secret) < shortest for secret in value.values()):
        raise SettingsError('braze_link_secrets: every secret must be at least {} characters'.format(shortest))
    return dict(value)


def environment_block(params_by_env, env):
    for name in conventions.environment_blocks(env):
        block = params_by_env.get(name)
        if isinstance(block, dict):
            return block
    raise SettingsError("app.PARAMS has no block for environment '{}' (known: {})".format(
        env[:40], ', '.join(sorted(str(k)[:40] for k in params_by_env)) or 'none'))


def _frozen(block):
    """A hashable image of the block in which True and 1 differ; None when a value cannot be one."""
    try:
        items = tuple((str(k), type(v), _frozen(v) if isinstance(v, dict) else v) for k, v in block.items())
        hash(items)
    except TypeError:
        return None
    return items


def _api_key(value):
    if conventions.is_missing(value) or not isinstance(value, str):
        raise SettingsError("braze_api_key is not set in the environment's PARAMS block (a '{ ... }' placeholder "
                            'is unset): write your REST API key there')
    key = value.strip()
    if any(ch.isspace() or not 32 < ord(ch) < 127 for ch in key):
        raise SettingsError('braze_api_key holds spaces or non-ASCII characters: copy the key again')
    if len(key) > 200:  # Braze's keys have 36 characters; the log masker builds a pattern per key
        raise SettingsError('braze_api_key is far longer than a Braze REST key: copy the key again')
    return key


def _base_url(params):
    raw = params.get('braze_url')
    if conventions.is_missing(raw):
        raise SettingsError("braze_url is not set in the environment's PARAMS block (a '{ ... }' placeholder is "
                            'unset): write your REST endpoint there, e.g. https://rest.iad-01.braze.com')
    allowed = params.get('braze_allowed_host')
    try:
        return check_base_url(raw, None if conventions.is_missing(allowed) else allowed)
    except UrlError as error:
        raise SettingsError(str(error))


def _track_path(value):
    if conventions.is_missing(value):
        return TRACK_PATH
    if not isinstance(value, str) or value.strip().strip('/') != TRACK_PATH:
        raise SettingsError("braze_user_track must be 'users/track' (the endpoint this setting names)")
    return TRACK_PATH


def _number(params, name):
    kind, default, low, high = NUMBERS[name]
    value = params.get(name)
    if conventions.is_missing(value):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not (low <= number <= high) or (kind is int and not number.is_integer()):
        raise SettingsError('{} must be a number between {} and {}'.format(name, low, high))
    return kind(number)


def _object_limits(params, max_objects):
    contract = params.get('braze_contract')
    contract = 'mau' if conventions.is_missing(contract) else str(contract).strip().lower()
    if contract not in CONTRACTS:
        raise SettingsError('braze_contract must be mau or standard (75 objects combined) '
                            'or legacy (75 per array)')
    per_array, combined = CONTRACTS[contract]
    if max_objects is not None:
        if max_objects > combined:
            raise SettingsError('braze_max_objects is above what braze_contract allows ({})'.format(combined))
        combined = max_objects
    return per_array, combined


def _flag(params, name):
    value = params.get(name)
    if conventions.is_missing(value):
        return False
    try:
        return boolean(value)
    except InvalidValue as problem:
        raise SettingsError('{}: {}'.format(name, problem))


def _ca_bundle(value):
    # TLS verification is always on; this setting only adds a CA (a corporate proxy, a local
    # HTTPS stand-in) to the public trust store, it never replaces or disables it.
    if conventions.is_missing(value) or isinstance(value, bool):
        return None
    path = str(value).strip()
    if not os.path.isfile(path):
        raise SettingsError('braze_ca_bundle is not a readable file')
    return path


def _names_to_ids(params, name):
    """A name -> Braze id mapping (a dict, or its JSON text from an environment variable)."""
    value = params.get(name)
    if isinstance(value, str) and value.strip()[:1] == '{':
        value = _json_text(value, name, '{"welcome_back": "<id>"}')
    elif isinstance(value, str):
        value = conventions.parse_json_object(value) or value
    if conventions.is_missing(value) or value == {}:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()):
        raise SettingsError('{} must map names to ids, e.g. {{"welcome_back": "<id>"}}'.format(name))
    return {k.strip(): v.strip() for k, v in value.items()}


def _subscription_groups(params):
    """Subscription group name -> id; each id a UUID, as Braze's /users/track requires."""
    groups = _names_to_ids(params, 'braze_subscription_groups')
    for group, group_id in groups.items():
        if not _UUID.fullmatch(group_id):
            raise SettingsError('braze_subscription_groups: the id of "{}" is not a subscription group id (a UUID '
                                'such as 0f9e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4, from Audience > Subscriptions in the '
                                'dashboard)'.format(group[:80]))
    return groups


def _set(attribute, read):  # pragma: no mutate block (runs at import, building CHECKS; see braze_declarations)
    """A check that stores what ``read(params)`` gives as the settings' ``attribute``."""
    return lambda settings, params: setattr(settings, attribute, read(params))


def _contract(settings, params):
    settings.per_array, settings.combined = _object_limits(params, _number(params, 'braze_max_objects'))


def _user_track(settings, params):
    _track_path(params.get('braze_user_track'))  # a bad path is a config error now, not at the first send


# (setting, check) in the order they are judged: the first unusable one is the one named.
# braze_allowed_host is read with braze_url, braze_max_objects with braze_contract.
CHECKS = (
    ('braze_connect_timeout', _set('connect_timeout', lambda p: _number(p, 'braze_connect_timeout'))),
    ('braze_read_timeout', _set('read_timeout', lambda p: _number(p, 'braze_read_timeout'))),
    ('braze_deadline', _set('deadline', lambda p: _number(p, 'braze_deadline'))),
    ('braze_max_attempts', _set('max_attempts', lambda p: _number(p, 'braze_max_attempts'))),
    ('braze_api_key', _set('api_key', lambda p: _api_key(p.get('braze_api_key')))),
    ('braze_url', _set('base', _base_url)),
    ('braze_contract', _contract),
    ('braze_retry_non_idempotent', _set('retry_non_idempotent', lambda p: _flag(p, 'braze_retry_non_idempotent'))),
    ('braze_ca_bundle', _set('ca_bundle', lambda p: _ca_bundle(p.get('braze_ca_bundle')))),
    ('braze_canvases', _set('canvases', lambda p: _names_to_ids(p, 'braze_canvases'))),
    ('braze_campaigns', _set('campaigns', lambda p: _names_to_ids(p, 'braze_campaigns'))),
    ('braze_subscription_groups', _set('subscription_groups', _subscription_groups)),
    ('braze_user_track', _user_track),
    ('braze_link_max_age', _set('max_age', lambda p: _number(p, 'braze_link_max_age'))),
    ('braze_link_secrets', _set('secrets', lambda p: _secrets(p.get('braze_link_secrets'), MIN_SECRET))),
)
# Every setting of the nodes that call Braze: what ``load`` checks when it is not told which.
ALL_SETTINGS = frozenset(name for node in declarations.NODES.values() if node.endpoints
                         for name in declarations.settings_of(node))
