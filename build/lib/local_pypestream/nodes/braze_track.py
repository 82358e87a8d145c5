# -*- coding: utf-8 -*-
"""/users/track: a Parameter Input -> one user's attributes, events and purchases, in Braze's order.

Two input forms (README): the explicit form, recognised by any of ``EXPLICIT_KEYS``, and the seed
template's flat globals (``FLAT_ATTRIBUTES``), which is rewritten into the explicit form so both
follow one path. An invalid optional value is dropped and named; everything valid is kept.
"""
import collections

from . import braze_conventions as conventions
from . import braze_fields as fields
from . import braze_values as values
from .braze_input import DEFAULT_USER, UnusableInput, identifier, personal_values
from .braze_settings import TRACK_PATH as ENDPOINT  # noqa: F401 - the node sends here
from .braze_values import InvalidValue, timestamp
from .braze_variables import MISSING, BudgetExceeded, Variables

PERMISSION = 'users.track'
EXPLICIT_KEYS = frozenset(tuple(fields.IDENTIFIERS) + ('attributes', 'events', 'purchases', 'update_existing_only',
                                                      'merge_objects'))
# The flat form: the seed template's globals (braze_fields.SEED_GLOBALS); USER_ID is the
# external_id, NAME_OF_EVENT and EVENT_TIME one event.
# Events and purchases one call sends at most (ours): 1,000 objects are 20 requests of 50 (or 14 of
# 75), which still fit in the default deadline on a healthy connection.
MAX_ITEMS = 500
# Attributes beyond this many encoded bytes go into a further attributes object of the same user.
ATTRIBUTES_CHUNK = 1024 * 1024

# objects: (array, label, object) in the order Braze should apply them. dropped: (label, reason).
TrackInput = collections.namedtuple('TrackInput', 'objects dropped personal')


def build(payload, context, now, budget):
    """Parameter Input + context -> ``TrackInput``. Raises ``UnusableInput``."""
    variables = Variables(payload, context, budget)
    if EXPLICIT_KEYS.isdisjoint(payload):
        if variables.lookup(conventions.reference_name(DEFAULT_USER)) is MISSING:
            raise UnusableInput('USER_ID is not set, so there is no external_id to record this user under '
                                '(or use the explicit form with external_id, user_alias, email or phone)')
        payload = dict(payload, **_flat_as_explicit(variables))
    return _Builder(variables, now).build(payload)


def _flat_as_explicit(variables):
    explicit = {'external_id': DEFAULT_USER,
                'attributes': {name: '{%s}' % variable for variable, name in fields.SEED_GLOBALS}}
    if variables.lookup('NAME_OF_EVENT') is not MISSING:
        explicit['events'] = [{'name': '{NAME_OF_EVENT}', 'time': '{EVENT_TIME}'}]
    return explicit


class _Builder(object):
    """Collects one call's objects, drops and personal values; used once, by ``build``."""

    def __init__(self, variables, now):
        self.variables = variables
        self.now = now.isoformat()
        self.dropped = []
        self.personal = []
        self.stopped = None  # why building stopped early (the budget), once it has

    def build(self, payload):
        who, extras = identifier(payload, self.variables)
        self.personal.extend(personal_values(who))
        self.personal.extend(extras.values())
        # The flags first: a budget spent on a large input must never drop "update only".
        update_only = self._flag(payload, 'update_existing_only')
        merge = self._flag(payload, 'merge_objects')
        attributes = self._attributes(payload, who.kind, extras)
        events = self._items(fields.EVENT, payload)
        purchases = self._items(fields.PURCHASE, payload)
        objects = _objects(who, attributes, events, purchases, update_only, merge)
        return TrackInput(objects, tuple(self.dropped), tuple(self.personal))

    def drop(self, label, reason):
        self.dropped.append((str(label), reason))

    def _attributes(self, payload, kind, extras):
        given, literal = self._container(payload.get('attributes'), 'attributes')
        if given is not MISSING and not isinstance(given, dict):
            self.drop('attributes', 'must be an object of attribute names and values')
        given = given if isinstance(given, dict) else {}
        result = {}
        # Email or phone given beside the identifier are attributes (already resolved: literal).
        items = [(k, v, True) for k, v in extras.items() if k not in given]
        items += [(k, v, literal) for k, v in given.items()]
        for name, value, is_literal in items:
            if name == kind:  # email or phone as the identifier (fields.attribute refuses the primary ones)
                self.drop(_attribute(name), 'identifiers go at the top level of the input')
            elif value is None:
                result[name] = None  # a literal null unsets the attribute in Braze
            else:
                self._set(result, name, self._resolve(value, _Label(name), is_literal, deep=True))
        return result

    def _set(self, result, name, value):
        if value is MISSING:
            return
        try:
            field = fields.attribute(name)
            if field.personal:
                self.personal.append(value)
            result[name] = field.normalize(value)
        except InvalidValue as problem:
            self.drop(_attribute(name), str(problem))

    def _items(self, kind, payload):
        items, literal = self._container(payload.get(kind.array), kind.array)
        if items is MISSING:
            return []
        items = [items] if isinstance(items, dict) else items
        if not isinstance(items, (list, tuple)):
            self.drop(kind.array, 'must be a list of objects')
            return []
        built = []
        for index, item in enumerate(items):
            label = '{}[{}]'.format(kind.array, index)
            if self.stopped or index >= MAX_ITEMS:
                self.drop(_range(kind.array, index, len(items)), self.stopped or
                          'more than {} {} in one call'.format(MAX_ITEMS, kind.array))
                break
            obj = self._item(kind, item, label, literal)
            if obj is not None:
                built.append((label, obj))
        return built

    def _item(self, kind, item, label, literal):
        if not isinstance(item, dict):
            self.drop(label, 'must be an object')
            return None
        result = {}
        for key, raw in item.items():
            if key in ('time', 'properties'):
                continue
            value = self._resolve(raw, label, literal)
            if value is MISSING:
                continue
            field = kind.fields.get(key)
            if field is None:
                self.drop('{}.{}'.format(label, short(key)), 'not a field of this object')
                continue
            try:
                result[key] = field.normalize(value)
            except InvalidValue as problem:
                self.drop('{}.{}'.format(label, key), str(problem))
        absent = [key for key in kind.required if key not in result]
        if absent:
            self.drop(label, 'needs {}'.format(', '.join(absent)))
            return None
        result['time'] = self._time(self._resolve(item.get('time'), label + '.time', literal), label)
        properties = self._properties(kind, self._resolve(item.get('properties'), label + '.properties',
                                                          literal, deep=True), label)
        if properties:
            result['properties'] = properties
        return result

    def _time(self, value, label):
        if value is not MISSING:
            try:
                return timestamp(value)
            except InvalidValue as problem:
                self.drop(label + '.time', '{}; sent with the current time'.format(problem))
        return self.now

    def _properties(self, kind, value, label):
        name = label + '.properties'
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.drop(name, 'must be an object')
            return None
        properties = {}
        for key, item in value.items():
            try:
                if key in kind.reserved:
                    raise InvalidValue('is a reserved property name')
                properties[values.property_key(key)] = values.json_value(item)
            except InvalidValue as problem:
                self.drop('{}.{}'.format(name, short(key)), str(problem))
        if values.encoded_size(properties) > kind.properties_bytes:
            self.drop(name, 'larger than Braze allows ({} KB)'.format(kind.properties_bytes // 1024))
            return None
        return properties

    def _flag(self, payload, name):
        value = self._resolve(payload.get(name), name)
        if value is MISSING:
            return None
        try:
            return values.boolean(value)
        except InvalidValue as problem:
            self.drop(name, str(problem))
            return None

    def _container(self, raw, label):
        """An attributes object or a list of events: (value, whether it came whole from a global).
        What a global holds is used literally; only the Parameter Input's own references resolve."""
        return self._resolve(raw, label), conventions.reference_name(raw) is not None

    def _resolve(self, raw, label, literal=False, deep=False):
        """One value through the budget; once it is spent, every further input is dropped by name."""
        if self.stopped:
            if not conventions.is_missing(raw):
                self.drop(label, self.stopped)
            return MISSING
        if literal:
            return MISSING if conventions.is_missing(raw) else raw
        try:
            return self.variables.tree(raw) if deep else self.variables.value(raw)
        except BudgetExceeded as spent:
            self.stopped = str(spent)
            self.drop(label, self.stopped)
            return MISSING
        except InvalidValue as problem:
            self.drop(label, str(problem))
            return MISSING


def _objects(who, attributes, events, purchases, update_only, merge):
    """Braze's objects, each with the identifier and the flags Braze reads on every object."""
    identity = {who.kind: who.value}
    flags = {'_update_existing_only': True} if update_only else {}
    objects = []
    # Braze creates an alias-only user only from an attributes object that says so; without it an
    # anonymous chat's events would vanish without an error.
    create_alias = who.kind == 'user_alias' and not update_only
    # With nothing else to send, the identifier alone: Braze creates or touches that user.
    if attributes or create_alias or not (events or purchases):
        head = dict(identity, **flags)
        if create_alias:
            head['_update_existing_only'] = False
        if merge and attributes:
            head['_merge_objects'] = True
        for chunk in _chunks(attributes) or [{}]:
            objects.append(('attributes', 'attributes', dict(head, **chunk)))
    for array, items in (('events', events), ('purchases', purchases)):
        objects.extend((array, label, dict(identity, **dict(item, **flags))) for label, item in items)
    return objects


def _chunks(attributes):
    """Attributes split so that no attributes object outgrows a request (nested values are large)."""
    chunks, current, size = [], {}, 0
    for name, value in attributes.items():
        weight = values.encoded_size(value) if isinstance(value, (dict, list)) else 64
        if current and size + weight > ATTRIBUTES_CHUNK:
            chunks.append(current)
            current, size = {}, 0
        current[name] = value
        size += weight
    return chunks + [current] if current else chunks


def _attribute(name):
    return 'attributes.{}'.format(short(name))


class _Label(object):
    """An attribute's label, written out only when something is dropped (most calls drop nothing)."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return _attribute(self.name)


def _range(array, first, count):
    return '{}[{}]'.format(array, first) if first == count - 1 else '{}[{}..{}]'.format(array, first, count - 1)


def short(name):
    """A field name fit for a log line: text, at most 40 characters."""
    text = name if isinstance(name, str) else type(name).__name__
    return text if len(text) <= 40 else text[:37] + '...'
