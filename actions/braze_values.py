# -*- coding: utf-8 -*-
"""What Braze accepts in a value: one normalizer per kind of value.

Each normalizer takes a value that is present (missing values never get here) and returns what
Braze expects, or raises ``InvalidValue`` with a reason that never quotes the value: the reason ends
up in a log line and the value may be personal data. braze_fields.py says which field uses which.
"""
import datetime
import json
import math
import re

from . import braze_conventions as conventions

MAX_STRING = 255              # Braze's limit for strings, names and keys
MAX_DEPTH = 16                # nesting inside properties and nested attributes (ours)
MAX_INT = 2 ** 63             # Braze stores integers as 64-bit
MAX_NESTED_BYTES = 100 * 1024  # a nested custom attribute or array of objects (user_attributes_object)
UTC = datetime.timezone.utc


class InvalidValue(ValueError):
    """A value Braze would refuse. The message says why without quoting the value."""


# One JSON encoding for every body and every size check: compact, ASCII only (a lone surrogate from
# a broken client still makes a valid body), NaN refused. One encoder for the process: json.dumps
# with options would build a new one for every call.
_ENCODER = json.JSONEncoder(separators=(',', ':'), allow_nan=False)


def encoded(value):
    """``value`` as the bytes Braze is sent."""
    return _ENCODER.encode(value).encode('ascii')


def encoded_size(value):
    """How many bytes ``value`` takes in a body (Braze's size limits count these)."""
    return len(_ENCODER.encode(value))


def text(value):
    if value.__class__ is str:  # most values (checked first only because it is cheaper)
        result = value.strip()
    elif isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidValue('expected text, got {}'.format(type(value).__name__))
    elif isinstance(value, int) and abs(value) >= MAX_INT:  # str() of a huge int can even raise
        raise InvalidValue('integer outside 64 bits')
    else:
        result = str(value).strip()
    if not result:
        raise InvalidValue('empty text')
    if len(result) > MAX_STRING:
        raise InvalidValue('longer than {} characters'.format(MAX_STRING))
    return result


def email(value):
    # Braze checks addresses itself (EMAIL_BAD_FORMAT); a regex here would reject valid
    # Unicode addresses, so only trim and lower-case.
    result = text(value).lower()
    if '@' not in result:
        raise InvalidValue('not an email address (no @)')
    return result


_PHONE_SEPARATORS = re.compile(r'[\s().-]')
_E164 = re.compile(r'^\+[0-9]{7,15}$')


def phone(value):
    """Braze's phone identifier works only with a valid (E.164) number: +, then 7-15 digits."""
    result = _PHONE_SEPARATORS.sub('', text(value))
    if not _E164.match(result):
        raise InvalidValue('not a phone number in international form (+ and 7-15 digits)')
    return result


_GENDERS = {
    'm': 'M', 'male': 'M', 'man': 'M',
    'f': 'F', 'female': 'F', 'woman': 'F',
    'o': 'O', 'other': 'O',
    'n': 'N', 'not applicable': 'N', 'n/a': 'N',
    'p': 'P', 'prefer not to say': 'P',
}


def gender(value):
    code = _GENDERS.get(text(value).lower())
    if code is None:
        raise InvalidValue('not a gender Braze knows (M, F, O, N, P)')
    return code


def letters(count, transform):
    """An ISO code of ``count`` ASCII letters (country, language, currency)."""
    def normalize(value):
        result = text(value)
        if len(result) != count or not result.isalpha() or not result.isascii():
            raise InvalidValue('expected a {}-letter ISO code'.format(count))
        return transform(result)
    return normalize


def subscription_state(value):
    result = text(value).lower().replace('-', '_').replace(' ', '_')
    if result not in ('opted_in', 'subscribed', 'unsubscribed'):
        raise InvalidValue('expected opted_in, subscribed or unsubscribed')
    return result


def subscription_groups(value):
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InvalidValue('expected a list of subscription groups')
    groups = []
    for group in value:
        if not isinstance(group, dict):
            raise InvalidValue('each subscription group must be an object')
        state = _member(group, 'subscription_state').lower()
        if state not in ('subscribed', 'unsubscribed'):
            raise InvalidValue('subscription_state must be subscribed or unsubscribed')
        groups.append({'subscription_group_id': _member(group, 'subscription_group_id'), 'subscription_state': state})
    return groups


def _member(group, name):
    """One text member of an object, the reason naming it."""
    try:
        return text(group.get(name, ''))
    except InvalidValue as problem:
        raise InvalidValue('{}: {}'.format(name, 'missing' if group.get(name, '') == '' else problem))


def location(value):
    if not isinstance(value, dict):
        raise InvalidValue('expected {"latitude": ..., "longitude": ...}')
    result = {}
    for key, limit in (('latitude', 90.0), ('longitude', 180.0)):
        if key not in value:
            raise InvalidValue('{} is missing'.format(key))
        coordinate = value.get(key)
        if isinstance(coordinate, str):
            try:
                coordinate = float(coordinate)
            except ValueError:
                raise InvalidValue('{} is not a number'.format(key))
        if isinstance(coordinate, bool) or not isinstance(coordinate, (int, float)) \
                or not math.isfinite(coordinate) or abs(coordinate) > limit:
            raise InvalidValue('{} must be a number within +/-{}'.format(key, int(limit)))
        result[key] = coordinate
    return result


def boolean(value):
    """True or False from Pypestream's words (braze_conventions): the one rule every flag and field uses."""
    try:
        return conventions.as_bool(value)
    except ValueError:
        raise InvalidValue('expected true or false')


def number(value):
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InvalidValue('expected a number')
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue('expected a number')
    return json_value(value)


def quantity(value):
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise InvalidValue('expected a whole number from 1 to 100')
    return value


_ISO_DATETIME = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})'
    # Braze also documents yyyy-MM-dd'T'HH:mm:ss:SSSZ, milliseconds after a colon.
    r'(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,:](\d{1,9}))?)?)?'
    r'\s*(Z|[+-]\d{2}:?\d{2})?$', re.IGNORECASE)


def parse_datetime(value):
    """ISO-8601 text, a datetime/date, or epoch seconds -> aware datetime (naive means UTC)."""
    if isinstance(value, datetime.datetime):
        result = value
    elif isinstance(value, datetime.date):
        result = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise InvalidValue('not a finite number of seconds')
        seconds = value / 1000.0 if abs(value) > 1e11 else value  # milliseconds from JavaScript
        try:
            result = datetime.datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidValue('epoch seconds out of range')
    else:
        result = _parse_iso(text(value))
    if result.tzinfo is None or result.utcoffset() is None:
        result = result.replace(tzinfo=UTC)
    return result


def _parse_iso(raw):
    # datetime.fromisoformat on Python 3.8-3.10 rejects "Z" and 1, 2, 4, 5, 7-9 fraction
    # digits, all of which real clients send; this small parser accepts them on every version.
    match = _ISO_DATETIME.match(raw)
    if not match:
        raise InvalidValue('not an ISO-8601 date-time')
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    tz = None
    if offset:
        if offset.upper() == 'Z':
            tz = UTC
        else:
            digits = offset[1:].replace(':', '')
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            if minutes >= 24 * 60:
                raise InvalidValue('UTC offset out of range')
            tz = datetime.timezone(datetime.timedelta(minutes=minutes if offset[0] == '+' else -minutes))
    try:
        return datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                 int(second or 0), micro, tzinfo=tz)
    except ValueError:
        raise InvalidValue('not a real date or time')


def timestamp(value):
    """Braze wants ISO-8601 with an explicit offset."""
    return parse_datetime(value).isoformat()


_US_DATE = re.compile(r'^(\d{1,2})/(\d{1,2})/(\d{4})$')


def dob(value):
    """Braze accepts only YYYY-MM-DD. Also takes MM/DD/YYYY (US forms) and date objects."""
    if isinstance(value, datetime.datetime):
        born = value.date()
    elif isinstance(value, datetime.date):
        born = value
    else:
        raw = text(value)
        us = _US_DATE.match(raw)
        if us:
            try:
                born = datetime.date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
            except ValueError:
                raise InvalidValue('not a real date (MM/DD/YYYY)')
        else:
            born = _parse_iso(raw).date()
    if born.year < 1900 or born > datetime.date.today():
        raise InvalidValue('not a plausible date of birth')
    return born.isoformat()


def json_value(value, depth=0):
    """A copy of ``value`` Braze stores as a property (keys follow property_key)."""
    if depth > MAX_DEPTH:
        raise InvalidValue('nested deeper than {} levels'.format(MAX_DEPTH))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) >= MAX_INT:
            raise InvalidValue('integer outside 64 bits')
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue('NaN or infinity')
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise InvalidValue('longer than {} characters'.format(MAX_STRING))
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return timestamp(value)
    if isinstance(value, (list, tuple)):
        return [json_value(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {property_key(k): json_value(item, depth + 1) for k, item in value.items()}
    raise InvalidValue('{} is not a JSON value'.format(type(value).__name__))


def property_key(key):
    """An event or purchase property name."""
    if not isinstance(key, str) or not key or len(key) > MAX_STRING or key.startswith('$'):
        raise InvalidValue('property names must be 1-255 characters and not start with $')
    return key


def nested_key(key):
    """A key inside a nested custom attribute: Braze refuses spaces, periods and dollar signs."""
    if not isinstance(key, str) or not key or len(key) > MAX_STRING or any(ch in key for ch in ' .$'):
        raise InvalidValue('nested keys must be 1-255 characters without spaces, periods or $')
    return key


def nested_value(value, depth=0):
    """A value inside a nested custom attribute; dates are written {"$time": "<ISO-8601>"}."""
    if isinstance(value, dict) and set(value) == {'$time'}:
        return {'$time': timestamp(value['$time'])}
    if isinstance(value, (dict, list, tuple)) and depth > MAX_DEPTH:  # an empty list nests too
        raise InvalidValue('nested deeper than {} levels'.format(MAX_DEPTH))
    if isinstance(value, dict):
        return {nested_key(k): nested_value(item, depth + 1) for k, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [nested_value(item, depth + 1) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {'$time': timestamp(value)}
    return json_value(value, depth)


def _objects(items, what):
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidValue('"{}" takes a list of objects'.format(what))
    return [nested_value(item) for item in items]


def _identified(items, what, with_new_object):
    if not isinstance(items, list):
        raise InvalidValue('"{}" takes a list'.format(what))
    result = []
    needed = {'$identifier_key', '$identifier_value'} | ({'$new_object'} if with_new_object else set())
    for item in items:
        if not isinstance(item, dict) or set(item) != needed:
            raise InvalidValue('each "{}" entry needs exactly {}'.format(what, ', '.join(sorted(needed))))
        entry = {'$identifier_key': nested_key(item['$identifier_key']),
                 '$identifier_value': nested_value(item['$identifier_value'])}
        if with_new_object:
            if not isinstance(item['$new_object'], dict):
                raise InvalidValue('"$new_object" must be an object')
            entry['$new_object'] = nested_value(item['$new_object'])
        result.append(entry)
    return result


def _increment(step):
    if isinstance(step, bool) or not isinstance(step, int) or abs(step) >= MAX_INT:
        raise InvalidValue('"inc" takes one whole number')
    return step


def _strings(items):
    if not isinstance(items, list):
        raise InvalidValue('"add" and "remove" take a list')
    return [json_value(item) for item in items]


# Braze's operators inside a custom attribute value -> their check (user_attributes_object).
OPERATORS = {
    'inc': _increment,
    'add': _strings,
    'remove': _strings,
    '$add': lambda items: _objects(items, '$add'),
    '$update': lambda items: _identified(items, '$update', with_new_object=True),
    '$remove': lambda items: _identified(items, '$remove', with_new_object=False),
}
# Operators that may go together in one value.
_OPERATOR_GROUPS = ({'inc'}, {'add', 'remove'}, {'$add'}, {'$update'}, {'$remove'})


def custom_attribute(value):
    """A custom attribute: a JSON value, a nested object or an array of objects, or an operator."""
    if isinstance(value, dict) and not set(value).isdisjoint(OPERATORS):
        if not any(set(value) <= group for group in _OPERATOR_GROUPS):
            raise InvalidValue('{} cannot be combined in one attribute'.format(', '.join(sorted(value))))
        result = {name: OPERATORS[name](argument) for name, argument in value.items()}
    elif isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
        result = nested_value(value)
    elif isinstance(value, (datetime.date, datetime.datetime)):
        return timestamp(value)
    else:
        return json_value(value)
    if encoded_size(result) > MAX_NESTED_BYTES:
        raise InvalidValue('larger than Braze allows for one attribute ({} KB)'.format(MAX_NESTED_BYTES // 1024))
    return result
