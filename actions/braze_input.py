# -*- coding: utf-8 -*-
"""Reading a node's Parameter Input, for every node alike: the payload itself, the one user it is
about, flags, text and names looked up in a setting; and ``Request``, what an endpoint module's
``build`` makes of it."""
import collections

from . import braze_conventions as conventions
from . import braze_fields as fields
from . import braze_values as values
from .braze_settings import SettingsError
from .braze_values import InvalidValue
from .braze_variables import MISSING

# One request to Braze: its endpoint (braze_declarations.Endpoint), the encoded body, the personal
# values in it (Call.send masks them in every line), and whether sending it twice is harmless.
Request = collections.namedtuple('Request', 'endpoint body personal replayable')

Identifier = collections.namedtuple('Identifier', 'kind value')  # value: text, or the alias object
# The seed template's convention: with no identifier given, the global USER_ID is the external_id.
DEFAULT_USER = '{USER_ID}'


class UnusableInput(Exception):
    """The Parameter Input cannot be used at all, so nothing is sent. The message quotes no value."""


def flag(value, name):
    """A true/false input (``true``, ``"yes"``, ``0``...) -> bool, or ``UnusableInput`` naming it."""
    try:
        return values.boolean(value)
    except InvalidValue as problem:
        raise UnusableInput('{}: {}'.format(name, problem))


def text(value, name):
    """A text input (a number is written as text) -> str, or ``UnusableInput`` naming it."""
    try:
        return values.text(value)
    except InvalidValue as problem:
        raise UnusableInput('{}: {}'.format(name, problem))


def named_id(mapping, setting, what, name):
    """The id the environment's ``setting`` (``braze_canvases``...) gives the ``what`` called
    ``name``; ``SettingsError``, naming the name and the names it knows (names are no secrets, ids
    are never printed), when it has none."""
    found = mapping.get(name)
    if found is None:
        known = ', '.join(sorted(mapping)) or 'none'
        raise SettingsError('{} of this environment has no {} "{}" (known: {}): add it there, or use one '
                            'of those'.format(setting, what, name[:80], known[:400]))
    return found


def payload_dict(payload):
    """The Parameter Input as a dict: JSON text (with or without a byte-order mark) is read."""
    if isinstance(payload, (str, bytes)):
        parsed = conventions.parse_json_object(payload)
        if parsed is None:
            raise UnusableInput('the Parameter Input is text but not a JSON object')
        return parsed
    return payload if isinstance(payload, dict) else {}


def with_default_user(payload, kinds):
    """The Parameter Input, with ``external_id`` = ``{USER_ID}`` when it names none of ``kinds``."""
    return payload if any(kind in payload for kind in kinds) else dict(payload, external_id=DEFAULT_USER)


def personal_values(who):
    """The parts of an identifier that are personal data (an alias's name; a braze_id is not)."""
    if not fields.IDENTIFIERS[who.kind].personal:
        return []
    return [who.value.get('alias_name') if who.kind == 'user_alias' else who.value]


def identifier(payload, variables, kinds=tuple(fields.IDENTIFIERS), extras_allowed=True):
    """The user the input is about -> (Identifier, {email/phone given besides it}).

    Braze's rules: at most one primary identifier (external_id, user_alias, braze_id); without one,
    email identifies the user, else phone. Beside the identifier, email and phone are attributes.
    With ``extras_allowed`` False (lookups, sends) exactly one identifier must be given.
    """
    given = collections.OrderedDict()
    for kind in kinds:
        raw = payload.get(kind)
        if raw is None:  # not given (most of the kinds, on every call)
            continue
        value = _alias(raw, variables) if kind == 'user_alias' else variables.value(raw)
        if value is not MISSING:
            given[kind] = value
    primary = [kind for kind in given if kind in fields.PRIMARY]
    if len(primary) > 1:
        raise UnusableInput('more than one identifier ({}): give exactly one'.format(' and '.join(primary)))
    if not given:
        unset = [(kind, conventions.reference_name(payload.get(kind))) for kind in kinds]
        unset = [(kind, name) for kind, name in unset if name]
        if unset:  # name the global the flow never set: that is where the fix goes
            raise UnusableInput('no identifier: {} is not set ({} is "{{{}}}"): set it in the flow before this node, '
                                'or give one of {}'.format(unset[0][1], unset[0][0], unset[0][1], ', '.join(kinds)))
        raise UnusableInput('no identifier: set one of {} (each one given resolved to nothing)'.format(
            ', '.join(kinds)))
    kind = primary[0] if primary else next(iter(given))  # email comes before phone in IDENTIFIERS
    extras = {name: given[name] for name in given if name != kind}
    if extras and not extras_allowed:
        raise UnusableInput('more than one identifier ({}): give exactly one'.format(' and '.join(given)))
    try:
        return Identifier(kind, fields.IDENTIFIERS[kind].normalize(given[kind])), extras
    except InvalidValue as problem:
        raise UnusableInput('{} is not usable as an identifier: {}'.format(kind, problem))


def _alias(raw, variables):
    alias = variables.value(raw)
    if alias is MISSING or not isinstance(alias, dict):
        return alias
    parts = {}
    for part in ('alias_name', 'alias_label'):
        parts[part] = variables.value(alias.get(part))
        if parts[part] is MISSING:
            raise UnusableInput('user_alias.{} is missing'.format(part))
    return parts
