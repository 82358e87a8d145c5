# -*- coding: utf-8 -*-
"""/users/track: a Parameter Input -> one user's attributes, events and purchases, in Braze's order.

Two input forms (README): the explicit form, recognised by any of ``EXPLICIT_KEYS``, and the seed
template's flat globals (``FLAT_ATTRIBUTES``), which is rewritten into the explicit form so both
follow one path. An invalid optional value is dropped and named; everything valid is kept.
"""
import collections

from . import braze_conventions as conventions
from . import braze_declarations as declarations
from . import braze_fields as fields
from . import braze_values as values
from .braze_input import DEFAULT_USER, Request, UnusableInput, identifier, personal_values
from .braze_values import InvalidValue, timestamp
from .braze_variables import MISSING, BudgetExceeded, Variables

ENDPOINT = declarations.TRACK
EXPLICIT_KEYS = frozenset(tuple(fields.IDENTIFIERS) + ('attributes', 'events', 'purchases', 'update_existing_only',
                                                      'merge_objects'))
# The flat form: the seed template's globals (braze_fields.SEED_GLOBALS); USER_ID is the
# external_id, NAME_OF_EVENT and EVENT_TIME one event.
# Events and purchases one call sends at most (ours): 1,000 objects are 14 requests of 75, which
# still fit in the default deadline on a healthy connection.
MAX_ITEMS = 500
DEFAULT_ARRAY_LENGTH = 25  # Braze's default maximum array length of a custom attribute (raisable)
# Attributes beyond this many encoded bytes go into a further attributes object of the same user.
ATTRIBUTES_CHUNK = 1024 * 1024

# objects: (array, label, object) in the order Braze should apply them. dropped: (label, reason).
TrackInput = collections.namedtuple('TrackInput', 'objects dropped personal')


def build(payload, context, now, budget):
    """Parameter Input -> ``TrackInput``: read the input, normalise each field from the field
    table, make Braze's objects. Raises ``UnusableInput``."""
    variables = Variables(payload, context, budget)
    if EXPLICIT_KEYS.isdisjoint(payload):
        if variables.lookup(conventions.reference_name(DEFAULT_USER)) is MISSING:
            raise UnusableInput('USER_ID is not set, so there is no external_id to record this user under '
                                '(or use the explicit form with external_id, user_alias, email or phone)')
        payload = dict(payload, **_flat_as_explicit(variables))
    read = _Reader(variables)
    who, extras = identifier(payload, variables)
    # The flags first: a budget spent on a large input must never drop "update only".
    update_only = read.flag(payload, 'update_existing_only')
    merge = read.flag(payload, 'merge_objects')
    attributes = _attributes(read, payload, who.kind, extras)
    stamp = now.isoformat()
    events = _items(read, fields.EVENT, payload, stamp)
    purchases = _items(read, fields.PURCHASE, payload, stamp)
    personal = personal_values(who) + list(extras.values()) + read.personal
    return TrackInput(_objects(who, attributes, events, purchases, update_only, merge), tuple(read.dropped),
                      tuple(personal))


def long_arrays(objects):
    """(attribute, length) of each list of values longer than Braze keeps by default: it keeps the
    workspace's maximum array length (25 unless raised, per Braze's custom-attribute pages), the rest
    is lost there. Sent as given: the workspace may have raised it."""
    return [(name, len(value)) for array, _, obj in objects if array == 'attributes'
            for name, value in obj.items() if value.__class__ is list and len(value) > DEFAULT_ARRAY_LENGTH
            and not any(isinstance(item, dict) for item in value)]


def requests(built, batches, retry_non_idempotent):
    """Each batch (braze_batches) as a ``Request`` and the names of its objects -> [(Request, labels)]."""
    return [(Request(ENDPOINT, batch.body, built.personal, batch.replayable or retry_non_idempotent), batch)
            for batch in batches]


# The seed template's flat form, written as the explicit form it means (read only, never changed).
_SEED_ATTRIBUTES = {name: '{%s}' % variable for variable, name in fields.SEED_GLOBALS}
_SEED_EVENTS = ({'name': '{NAME_OF_EVENT}', 'time': '{EVENT_TIME}'},)


def _flat_as_explicit(variables):
    explicit = {'external_id': DEFAULT_USER, 'attributes': _SEED_ATTRIBUTES}
    if variables.lookup('NAME_OF_EVENT') is not MISSING:
        explicit['events'] = _SEED_EVENTS
    return explicit


class _Reader(object):
    """Reads the Parameter Input's values through the ``{VAR}`` rules and the budget, and keeps the
    list of what was dropped and why, and of the personal values it read (the field table says which);
    once the budget is spent, every further input is dropped."""

    def __init__(self, variables):
        self.variables = variables
        self.dropped = []
        self.personal = []
        self.stopped = None  # why reading stopped early (the budget), once it has

    def drop(self, label, reason):
        self.dropped.append((str(label), reason))

    def value(self, raw, label, literal=False, deep=False):
        """One value, resolved (or taken as it is when ``literal``: it came whole from a global)."""
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

    def container(self, raw, label):
        """An attributes object or a list of events: (value, whether it came whole from a global).
        What a global holds is used literally; only the Parameter Input's own references resolve."""
        return self.value(raw, label), conventions.reference_name(raw) is not None

    def flag(self, payload, name):
        value = self.value(payload.get(name), name)
        if value is MISSING:
            return None
        try:
            return values.boolean(value)
        except InvalidValue as problem:
            self.drop(name, str(problem))
            return None

    def normalized(self, field, value, label):
        """``value`` through its field's normaliser, or MISSING with the reason dropped."""
        if field.personal:
            self.personal.append(value)
        try:
            return field.normalize(value)
        except InvalidValue as problem:
            self.drop(label, str(problem))
            return MISSING


def _attributes(read, payload, kind, extras):
    given, literal = read.container(payload.get('attributes'), 'attributes')
    if given is not MISSING and not isinstance(given, dict):
        read.drop('attributes', 'must be an object of attribute names and values')
    given = given if isinstance(given, dict) else {}
    result = {}
    # Email or phone given beside the identifier are attributes (already resolved: literal).
    items = [(k, v, True) for k, v in extras.items() if k not in given]
    items += [(k, v, literal) for k, v in given.items()]
    for name, value, is_literal in items:
        if name == kind:  # email or phone as the identifier (fields.attribute refuses the primary ones)
            read.drop(_attribute(name), 'identifiers go at the top level of the input')
        elif value is None:
            result[name] = None  # a literal null unsets the attribute in Braze
        else:
            label = _Label(name)  # written out only if something is dropped
            value = read.value(value, label, is_literal, deep=True)
            if value is MISSING:
                continue
            try:
                field = fields.attribute(name)
            except InvalidValue as problem:
                read.drop(label, str(problem))
                continue
            value = read.normalized(field, value, label)
            if value is not MISSING:
                result[name] = value
    return result


def _items(read, kind, payload, now):
    items, literal = read.container(payload.get(kind.array), kind.array)
    if items is MISSING:
        return []
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, (list, tuple)):
        read.drop(kind.array, 'must be a list of objects')
        return []
    built = []
    for index, item in enumerate(items):
        label = '{}[{}]'.format(kind.array, index)
        if read.stopped or index >= MAX_ITEMS:
            read.drop(_range(kind.array, index, len(items)), read.stopped or
                      'more than {} {} in one call'.format(MAX_ITEMS, kind.array))
            break
        obj = _item(read, kind, item, label, literal, now)
        if obj is not None:
            built.append((label, obj))
    return built


def _item(read, kind, item, label, literal, now):
    if not isinstance(item, dict):
        read.drop(label, 'must be an object')
        return None
    result = {}
    for key, raw in item.items():
        if key in ('time', 'properties'):
            continue
        value = read.value(raw, label, literal)
        if value is MISSING:
            continue
        field = kind.fields.get(key)
        if field is None:  # Braze's page defines the object's keys: a near miss is named with the fix
            close = declarations.close_matches(str(key), sorted(kind.fields) + ['properties', 'time'], n=1,
                                              cutoff=0.75)
            read.drop('{}.{}'.format(label, short(key)), 'not a field of this object' + (
                '; did you mean "{}"?'.format(close[0]) if close else ''))
            continue
        value = read.normalized(field, value, '{}.{}'.format(label, key))
        if value is not MISSING:
            result[key] = value
    absent = [key for key in kind.required if key not in result]
    if absent:
        read.drop(label, 'needs {}'.format(', '.join(absent)))
        return None
    result['time'] = _time(read, read.value(item.get('time'), label + '.time', literal), label, now)
    properties = _properties(read, kind, read.value(item.get('properties'), label + '.properties', literal, deep=True),
                             label)
    if properties:
        result['properties'] = properties
    return result


def _time(read, value, label, now):
    if value is not MISSING:
        try:
            return timestamp(value)
        except InvalidValue as problem:
            read.drop(label + '.time', '{}; sent with the current time'.format(problem))
    return now


def _properties(read, kind, value, label):
    name = label + '.properties'
    if value is MISSING:
        return None
    if not isinstance(value, dict):
        read.drop(name, 'must be an object')
        return None
    properties = {}
    for key, item in value.items():
        try:
            if key in kind.reserved:
                raise InvalidValue('is a reserved property name')
            properties[values.property_key(key)] = values.json_value(item)
        except InvalidValue as problem:
            read.drop('{}.{}'.format(name, short(key)), str(problem))
    if values.encoded_size(properties) > kind.properties_bytes:
        read.drop(name, 'larger than Braze allows ({} KB)'.format(kind.properties_bytes // 1024))
        return None
    return properties


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
