# -*- coding: utf-8 -*-
"""/users/export/ids: one user's Braze profile -> the globals a flow asked for.

The flow maps global names to field paths: ``first_name`` (a standard field),
``custom_attributes.loyalty_tier`` (nested keys with more dots), ``custom_events.<name>.count``
(or ``first`` / ``last``), ``purchases.<product>.count``. Only the top-level fields the paths
need are exported (``fields_to_export``, never campaigns_received / canvases_received, which would
put the workspace on the 250-a-minute limit instead of 40 a second).
"""
import collections
import json
import re

from . import braze_declarations as declarations
from . import braze_fields as fields
from . import braze_values as values
from .braze_input import Request, UnusableInput, identifier, personal_values, with_default_user
from .braze_safelog import for_chat
from .braze_variables import Variables

ENDPOINT = declarations.EXPORT

# The seed template's globals of standard attributes, filled when the Parameter Input maps none.
DEFAULT_GLOBALS = collections.OrderedDict(
    (name, field) for name, field in fields.SEED_GLOBALS if field in fields.ATTRIBUTES)
# Top-level fields of an exported user (api/endpoints/export/user_data/post_users_identifier).
EXPORTABLE = frozenset((
    'apps', 'attributed_campaign', 'attributed_source', 'attributed_adgroup', 'attributed_ad', 'braze_id',
    'country', 'created_at', 'custom_attributes', 'custom_events', 'devices', 'dob', 'email', 'external_id',
    'first_name', 'gender', 'home_city', 'language', 'last_coordinates', 'last_name', 'phone', 'purchases',
    'push_subscribe', 'push_tokens', 'random_bucket', 'time_zone', 'total_revenue', 'uninstalled_at',
    'user_aliases', 'email_subscribe', 'subscription_groups', 'email_opted_in_at', 'email_unsubscribed_at',
    'push_opted_in_at', 'push_unsubscribed_at',
))
SUMMARIES = ('custom_events', 'purchases')  # lists of {name, first, last, count}
_GLOBAL = re.compile(r'^[A-Z0-9_]+$')
# Braze's export request key for each kind of identifier (one user).
_REQUEST_KEY = {'external_id': 'external_ids', 'user_alias': 'user_aliases', 'braze_id': 'braze_id',
                'email': 'email_address', 'phone': 'phone'}

Lookup = collections.namedtuple('Lookup', 'request paths')  # paths: {GLOBAL: (field, rest...)}


def mapped_globals(mapping):
    """The global names the flow mapped in ``globals`` (set on every outcome), never raising."""
    if isinstance(mapping, dict):
        return [name for name in mapping if isinstance(name, str) and _GLOBAL.match(name)]
    return list(DEFAULT_GLOBALS)


def build(payload, context, budget):
    """Parameter Input -> ``Lookup``: the request (a read: resending is safe) and the globals' paths.
    Raises ``UnusableInput``."""
    variables = Variables(payload, context, budget)
    who, _ = identifier(with_default_user(payload, _REQUEST_KEY), variables, extras_allowed=False)
    paths = _paths(payload.get('globals', DEFAULT_GLOBALS))
    fields = sorted({'braze_id', 'external_id'} | {path[0] for path in paths.values()})
    value = [who.value] if who.kind in ('external_id', 'user_alias') else who.value  # arrays, the rest single
    body = values.encoded({_REQUEST_KEY[who.kind]: value, 'fields_to_export': fields})
    return Lookup(Request(ENDPOINT, body, personal_values(who), True), paths)


def _paths(mapping):
    if not isinstance(mapping, dict) or not mapping:
        raise UnusableInput('"globals" must map global names to Braze field paths')
    paths = collections.OrderedDict()
    for name, path in mapping.items():
        if not isinstance(name, str) or not _GLOBAL.match(name):
            if isinstance(name, str) and isinstance(path, str) and _GLOBAL.match(path):
                raise UnusableInput('"globals" entry "{}": "{}" is written the wrong way round: write "{}": "{}" '
                                    '(the global first, then the Braze field)'.format(name[:60], path[:60], path[:60],
                                                                                       name[:60]))
            raise UnusableInput('"globals" entry "{}": global names are UPPER_CASE letters, digits and _'.format(
                str(name)[:60]))
        parts = tuple(path.split('.')) if isinstance(path, str) and path.strip() else ()
        if not parts or not all(parts) or parts[0] not in EXPORTABLE:
            raise UnusableInput('{} maps to a path Braze does not export'.format(name))
        if parts[0] in SUMMARIES and (len(parts) != 3 or parts[2] not in ('count', 'first', 'last')):
            raise UnusableInput('{}: {} paths are {}.<name>.count, .first or .last'.format(name, parts[0], parts[0]))
        paths[name] = parts
    return paths


def outcome(users):
    """Braze's ``users`` list -> ``true`` (one profile), ``not_found``, ``multiple``, or ``unexpected``
    (a list holding anything but user objects: not Braze's documented answer, and not our bug)."""
    if users is None or users == []:
        return 'not_found'
    if not isinstance(users, list) or not all(isinstance(user, dict) for user in users):
        return 'unexpected'
    return 'true' if len(users) == 1 else 'multiple'


def globals_of(user, paths):
    """The mapped globals from one exported user, every value as text ("" for what it lacks)."""
    found = collections.OrderedDict((name, _text(_find(user, path))) for name, path in paths.items())
    found['BRAZE_ID'] = _text(user.get('braze_id'))
    found['BRAZE_EXTERNAL_ID'] = _text(user.get('external_id'))
    return found


def _find(user, path):
    if path[0] in SUMMARIES:
        entries = user.get(path[0])
        entry = next((e for e in entries if isinstance(e, dict) and e.get('name') == path[1]), None) \
            if isinstance(entries, list) else None
        if entry is None:
            return 0 if path[2] == 'count' else None  # never happened: a count of 0, no first or last
        return entry.get(path[2])
    value = user
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value):
    """A profile value as the chat may show it (for_chat: bounded, no control characters)."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, str):
        return for_chat(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return for_chat(json.dumps(value, ensure_ascii=False, separators=(',', ':'), sort_keys=True))
