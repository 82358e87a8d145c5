# -*- coding: utf-8 -*-
"""Turn a node's Parameter Input into one Braze user's attributes, events and purchases.

Two input forms are accepted (see README): the explicit form, recognised by any of
``EXPLICIT_KEYS``, and the seed template's flat globals (``FLAT_ATTRIBUTES``). A value may
be a literal or a ``"{VAR}"`` reference; ``None``, ``"None"``, ``""`` and a reference that
resolves to nothing are *missing* and never sent. An invalid optional value is dropped and
named in ``UserData.dropped``; a missing or invalid identifier raises ``InvalidInput``.
"""
import json
import re

from . import braze_fields as fields

IDENTIFIERS = ('external_id', 'user_alias', 'braze_id', 'email', 'phone')
EXPLICIT_KEYS = frozenset(IDENTIFIERS + ('attributes', 'events', 'purchases', 'update_existing_only'))

# The seed template's globals -> Braze attribute. USER_ID is the identifier.
FLAT_ATTRIBUTES = (
    ('FIRST_NAME', 'first_name'),
    ('LAST_NAME', 'last_name'),
    ('EMAIL_ADDRESS', 'email'),
    ('DATE_OF_BIRTH', 'dob'),
    ('CITY_OF_RESIDENCE', 'home_city'),
    ('OPERATING_SYSTEM', 'operating_system'),
)

EVENT_RESERVED = frozenset(('time', 'event_name'))
PURCHASE_RESERVED = frozenset(('time', 'product_id', 'quantity', 'event_name', 'price', 'currency'))
MAX_EVENT_PROPERTIES_BYTES = 100 * 1024
MAX_PURCHASE_PROPERTIES_BYTES = 50 * 1024
MAX_EXTERNAL_ID_BYTES = 987
MAX_REFERENCE_HOPS = 8

MISSING = object()
_REFERENCE = re.compile(r'^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$')


class InvalidInput(Exception):
    """No usable identifier: nothing can be sent. The message quotes no value."""


class UserData(object):
    """What one node call records for one user, plus what was dropped on the way."""

    def __init__(self, identifier):
        self.identifier = identifier      # e.g. {'external_id': 'u-1'}
        self.attributes = None            # dict, or None when no attributes object is needed
        self.events = []
        self.purchases = []
        self.dropped = []                 # ('attributes.dob', 'not a real date ...')
        self.personal = []                # raw personal values, for masking log lines

    def drop(self, name, reason):
        self.dropped.append((name, reason))

    def objects(self):
        """(array, label, object) in the order Braze should apply them."""
        found = []
        if self.attributes is not None:
            found.append(('attributes', 'attributes', _with(self.identifier, self.attributes)))
        for array, items in (('events', self.events), ('purchases', self.purchases)):
            for label, item in items:
                found.append((array, label, _with(self.identifier, item)))
        return found


def _with(identifier, obj):
    merged = dict(identifier)
    merged.update(obj)
    return merged


class Variables(object):
    """Resolve ``{VAR}`` references: from the payload, then the context, then user_data."""

    def __init__(self, payload, context):
        user_data = context.get('user_data') if isinstance(context, dict) else None
        self._sources = [s for s in (payload, context, user_data) if isinstance(s, dict)]

    def get(self, name, hops=0):
        for source in self._sources:
            value = self.resolve(source.get(name), hops)
            if value is not MISSING:
                return value
        return MISSING

    def resolve(self, value, hops=0):
        if value is None:
            return MISSING
        if isinstance(value, str):
            stripped = value.strip()
            if stripped in ('', 'None'):
                return MISSING
            match = _REFERENCE.match(stripped) if stripped[0] == '{' else None
            if match:
                return self.get(match.group(1), hops + 1) if hops < MAX_REFERENCE_HOPS else MISSING
        return value

    def resolve_deep(self, value, depth=0):
        """Resolve references inside lists and dicts; missing members are left out."""
        if depth > fields.MAX_DEPTH:
            raise fields.Invalid('nested deeper than {} levels'.format(fields.MAX_DEPTH))
        if isinstance(value, dict):
            resolved = ((key, self.resolve_deep(item, depth + 1)) for key, item in value.items())
            return {key: item for key, item in resolved if item is not MISSING}
        if isinstance(value, (list, tuple)):
            resolved = (self.resolve_deep(item, depth + 1) for item in value)
            return [item for item in resolved if item is not MISSING]
        return self.resolve(value)


def build_user(payload, context, now):
    """Parameter Input + context -> ``UserData``. Raises ``InvalidInput``."""
    if isinstance(payload, (str, bytes)):
        payload = _json_object(payload)
    variables = Variables(payload, context)
    if isinstance(payload, dict) and not EXPLICIT_KEYS.isdisjoint(payload):
        return _explicit(payload, variables, now)
    return _flat(variables, now)


def _json_object(text):
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput('the Parameter Input is text but not a JSON object')
    return loaded if isinstance(loaded, dict) else None


def _flat(variables, now):
    user_id = variables.get('USER_ID')
    if user_id is MISSING:
        raise InvalidInput('USER_ID is not set, so there is no external_id to record this user under '
                           '(or use the explicit form with external_id, user_alias, email or phone)')
    user = UserData({'external_id': _identifier_value('external_id', user_id)})
    user.personal.append(user_id)
    user.attributes = {}
    for variable, name in FLAT_ATTRIBUTES:
        _set_attribute(user, name, variables.get(variable))
    event_name = variables.get('NAME_OF_EVENT')
    if event_name is not MISSING:
        _add_event(user, 'events[0]', {'name': event_name, 'time': variables.get('EVENT_TIME')}, variables, now)
    return user


def _explicit(payload, variables, now):
    user = UserData(_identifier(payload, variables))
    kind, value = next(iter(user.identifier.items()))
    user.personal.append(value.get('alias_name') if kind == 'user_alias' else value)
    attributes = variables.resolve(payload.get('attributes'))
    user.attributes = {}
    if isinstance(attributes, dict):
        for name, raw in attributes.items():
            if name in IDENTIFIERS and (name == kind or name not in ('email', 'phone')):
                user.drop('attributes.{}'.format(_short(name)), 'identifiers go at the top level of the input')
            elif raw is None:
                user.attributes[name] = None  # a literal null unsets the attribute in Braze
            else:
                _set_attribute(user, name, raw, variables=variables)
    elif attributes is not MISSING:
        user.drop('attributes', 'must be an object of attribute names and values')
    for array, add in (('events', _add_event), ('purchases', _add_purchase)):
        for index, item in enumerate(_as_list(user, array, variables.resolve(payload.get(array)))):
            add(user, '{}[{}]'.format(array, index), item, variables, now)
    _set_update_existing_only(user, kind, variables.resolve(payload.get('update_existing_only')))
    return user


def _identifier(payload, variables):
    found = [(kind, variables.resolve(payload.get(kind))) for kind in IDENTIFIERS]
    found = [(kind, value) for kind, value in found if value is not MISSING]
    if not found:
        raise InvalidInput('no identifier: set one of {} (each given one resolved to nothing)'.format(
            ', '.join(IDENTIFIERS)))
    if len(found) > 1:
        raise InvalidInput('more than one identifier ({}): give exactly one and put email or phone in '
                           'attributes'.format(' and '.join(kind for kind, _ in found)))
    kind, value = found[0]
    if kind == 'user_alias' and isinstance(value, dict):
        value = {part: variables.resolve(value.get(part)) for part in ('alias_name', 'alias_label')}
    return {kind: _identifier_value(kind, value)}


def _identifier_value(kind, value):
    try:
        if kind == 'user_alias':
            if not isinstance(value, dict):
                raise fields.Invalid('must be {"alias_name": ..., "alias_label": ...}')
            alias = {}
            for part in ('alias_name', 'alias_label'):
                if value.get(part) is MISSING:
                    raise fields.Invalid('{} is missing'.format(part))
                alias[part] = fields.text(value.get(part))
            return alias
        if kind == 'external_id':
            text = fields.text(value) if isinstance(value, int) else value
            if not isinstance(text, str) or not text.strip():
                raise fields.Invalid('must be non-empty text')
            text = text.strip()
            if len(text.encode('utf-8', 'surrogatepass')) > MAX_EXTERNAL_ID_BYTES:
                raise fields.Invalid('longer than {} bytes'.format(MAX_EXTERNAL_ID_BYTES))
            return text
        return fields.STANDARD_ATTRIBUTES.get(kind, fields.text)(value)
    except fields.Invalid as problem:
        raise InvalidInput('{} is not usable as an identifier: {}'.format(kind, problem))


def _set_attribute(user, name, raw, variables=None):
    try:
        value = variables.resolve_deep(raw) if variables is not None else raw
        if value is MISSING:
            return
        normalize = fields.STANDARD_ATTRIBUTES.get(name)
        if normalize is None:
            fields.property_key(name)
            normalize = fields.custom_attribute
        if name in fields.PERSONAL_FIELDS:
            user.personal.append(value)
        user.attributes[name] = normalize(value)
    except fields.Invalid as problem:
        user.drop('attributes.{}'.format(_short(name)), str(problem))


def _as_list(user, array, value):
    if value is MISSING:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, (list, tuple)):
        return value
    user.drop(array, 'must be a list of objects')
    return []


def _add_event(user, label, item, variables, now):
    event = _common(user, label, item, variables, now, EVENT_FIELDS, required=('name',),
                    reserved=EVENT_RESERVED, limit=MAX_EVENT_PROPERTIES_BYTES)
    if event is not None:
        user.events.append((label, event))


def _add_purchase(user, label, item, variables, now):
    purchase = _common(user, label, item, variables, now, PURCHASE_FIELDS,
                       required=('product_id', 'currency', 'price'),
                       reserved=PURCHASE_RESERVED, limit=MAX_PURCHASE_PROPERTIES_BYTES)
    if purchase is not None:
        user.purchases.append((label, purchase))


def _currency(value):
    code = fields.text(value).upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise fields.Invalid('expected a 3-letter ISO-4217 currency code')
    return code


def _price(value):
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise fields.Invalid('expected a number')
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fields.Invalid('expected a number')
    return fields.json_value(value)


def _quantity(value):
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise fields.Invalid('expected a whole number from 1 to 100')
    return value


# Event and purchase fields -> normalizer. time and properties are handled around them.
EVENT_FIELDS = {'name': fields.text, 'app_id': fields.text}
PURCHASE_FIELDS = {
    'product_id': fields.text,
    'currency': _currency,
    'price': _price,
    'quantity': _quantity,
    'app_id': fields.text,
}


def _common(user, label, item, variables, now, known, required, reserved, limit):
    """Build an event or purchase; return None (and say why) when a required field fails."""
    if not isinstance(item, dict):
        user.drop(label, 'must be an object')
        return None
    result = {}
    for key, raw in item.items():
        value = variables.resolve(raw)
        if value is MISSING or key in ('time', 'properties'):
            continue
        normalize = known.get(key)
        if normalize is None:
            user.drop('{}.{}'.format(label, _short(key)), 'not a field of this object')
            continue
        try:
            result[key] = normalize(value)
        except fields.Invalid as problem:
            user.drop('{}.{}'.format(label, key), str(problem))
    absent = [key for key in required if key not in result]
    if absent:
        user.drop(label, 'needs {}'.format(', '.join(absent)))
        return None
    result['time'] = _time(user, label, variables.resolve(item.get('time')), now)
    properties = _properties(user, label, item.get('properties'), variables, reserved, limit)
    if properties:
        result['properties'] = properties
    return result


def _time(user, label, value, now):
    if value is not MISSING:
        try:
            return fields.timestamp(value)
        except fields.Invalid as problem:
            user.drop('{}.time'.format(label), '{}; sent with the current time'.format(problem))
    return now.isoformat()


def _properties(user, label, raw, variables, reserved, limit):
    try:
        value = variables.resolve_deep(raw)
    except fields.Invalid as problem:
        user.drop('{}.properties'.format(label), str(problem))
        return None
    if value is MISSING:
        return None
    if not isinstance(value, dict):
        user.drop('{}.properties'.format(label), 'must be an object')
        return None
    properties = {}
    for key, item in value.items():
        name = '{}.properties.{}'.format(label, _short(key))
        try:
            if key in reserved:
                raise fields.Invalid('is a reserved property name')
            properties[fields.property_key(key)] = fields.json_value(item)
        except fields.Invalid as problem:
            user.drop(name, str(problem))
    if len(json.dumps(properties, separators=(',', ':'))) > limit:
        user.drop('{}.properties'.format(label), 'larger than Braze allows ({} KB)'.format(limit // 1024))
        return None
    return properties


def _set_update_existing_only(user, kind, value):
    if value is not MISSING:
        try:
            user.attributes['_update_existing_only'] = fields.boolean(value)
        except fields.Invalid as problem:
            user.drop('update_existing_only', str(problem))
    if kind == 'user_alias' and '_update_existing_only' not in user.attributes:
        # Braze ignores an alias it does not know unless told to create it: a chat's
        # anonymous user would otherwise vanish, events and all.
        user.attributes['_update_existing_only'] = False
    if kind != 'user_alias' and len(user.attributes) == 0 and (user.events or user.purchases):
        user.attributes = None  # events by external_id, email or phone create the user themselves


def _short(name):
    """A field name fit for a log line: text, at most 40 characters."""
    text = name if isinstance(name, str) else type(name).__name__
    return text if len(text) <= 40 else text[:37] + '...'
