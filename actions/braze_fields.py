# -*- coding: utf-8 -*-
"""What Braze accepts in each field, as one table of normalizers.

Each normalizer takes a value that is present (missing values never get here) and returns
what Braze expects, or raises ``Invalid`` with a reason that never quotes the value: the
reason ends up in a log line and the value may be personal data.
"""
import datetime
import math
import re

MAX_STRING = 255          # Braze truncates or rejects longer strings
MAX_DEPTH = 16            # nesting allowed inside properties and nested custom attributes
MAX_INT = 2 ** 63         # Braze stores integers as 64-bit
UTC = datetime.timezone.utc


class Invalid(ValueError):
    """A value Braze would reject. The message says why without quoting the value."""


def text(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid('expected text, got {}'.format(type(value).__name__))
    if isinstance(value, int) and abs(value) >= MAX_INT:  # str() of a huge int can even raise
        raise Invalid('integer outside 64 bits')
    result = str(value).strip()
    if not result:
        raise Invalid('empty text')
    if len(result) > MAX_STRING:
        raise Invalid('longer than {} characters'.format(MAX_STRING))
    return result


def email(value):
    # Braze checks addresses itself (EMAIL_BAD_FORMAT); a regex here would reject valid
    # Unicode addresses, so only trim and lower-case.
    result = text(value).lower()
    if '@' not in result:
        raise Invalid('not an email address (no @)')
    return result


def phone(value):
    return text(value)


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
        raise Invalid('not a gender Braze knows (M, F, O, N, P)')
    return code


def _letters(count, transform):
    def normalize(value):
        result = text(value)
        if len(result) != count or not result.isalpha() or not result.isascii():
            raise Invalid('expected a {}-letter ISO code'.format(count))
        return transform(result)
    return normalize


def subscription_state(value):
    result = text(value).lower().replace('-', '_').replace(' ', '_')
    if result not in ('opted_in', 'subscribed', 'unsubscribed'):
        raise Invalid('expected opted_in, subscribed or unsubscribed')
    return result


def subscription_groups(value):
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Invalid('expected a list of subscription groups')
    groups = []
    for group in value:
        if not isinstance(group, dict):
            raise Invalid('each subscription group must be an object')
        state = text(group.get('subscription_state', '')).lower()
        if state not in ('subscribed', 'unsubscribed'):
            raise Invalid('subscription_state must be subscribed or unsubscribed')
        groups.append({'subscription_group_id': text(group.get('subscription_group_id', '')),
                       'subscription_state': state})
    return groups


def location(value):
    if not isinstance(value, dict):
        raise Invalid('expected {"latitude": ..., "longitude": ...}')
    result = {}
    for key, limit in (('latitude', 90.0), ('longitude', 180.0)):
        coordinate = value.get(key)
        if isinstance(coordinate, str):
            try:
                coordinate = float(coordinate)
            except ValueError:
                raise Invalid('{} is not a number'.format(key))
        if isinstance(coordinate, bool) or not isinstance(coordinate, (int, float)) \
                or not math.isfinite(coordinate) or abs(coordinate) > limit:
            raise Invalid('{} must be a number within +/-{}'.format(key, int(limit)))
        result[key] = coordinate
    return result


def boolean(value):
    if isinstance(value, bool):
        return value
    lowered = text(value).lower()
    if lowered in ('true', '1', 'yes'):
        return True
    if lowered in ('false', '0', 'no'):
        return False
    raise Invalid('expected true or false')


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
            raise Invalid('not a finite number of seconds')
        seconds = value / 1000.0 if abs(value) > 1e11 else value  # milliseconds from JavaScript
        try:
            result = datetime.datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise Invalid('epoch seconds out of range')
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
        raise Invalid('not an ISO-8601 date-time')
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
                raise Invalid('UTC offset out of range')
            tz = datetime.timezone(datetime.timedelta(minutes=minutes if offset[0] == '+' else -minutes))
    try:
        return datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                 int(second or 0), micro, tzinfo=tz)
    except ValueError:
        raise Invalid('not a real date or time')


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
                raise Invalid('not a real date (MM/DD/YYYY)')
        else:
            born = _parse_iso(raw).date()
    if born.year < 1900 or born > datetime.date.today():
        raise Invalid('not a plausible date of birth')
    return born.isoformat()


def json_value(value, depth=0):
    """A copy of ``value`` that Braze stores as a property or nested attribute."""
    if depth > MAX_DEPTH:
        raise Invalid('nested deeper than {} levels'.format(MAX_DEPTH))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) >= MAX_INT:
            raise Invalid('integer outside 64 bits')
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid('NaN or infinity')
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise Invalid('longer than {} characters'.format(MAX_STRING))
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return timestamp(value)
    if isinstance(value, (list, tuple)):
        return [json_value(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {property_key(key): json_value(item, depth + 1) for key, item in value.items()}
    raise Invalid('{} is not a JSON value'.format(type(value).__name__))


def custom_attribute(value):
    """A custom attribute: a JSON value, or Braze's {"inc": n} / {"add": [...], "remove": [...]}."""
    if isinstance(value, dict) and 'inc' in value:
        step = value['inc']
        if len(value) > 1 or isinstance(step, bool) or not isinstance(step, (int, float)):
            raise Invalid('"inc" takes one number')
    elif isinstance(value, dict) and value and set(value) & {'add', 'remove'}:
        if not set(value) <= {'add', 'remove'} or not all(isinstance(v, list) for v in value.values()):
            raise Invalid('"add" and "remove" take lists')
    return json_value(value)


def property_key(key):
    if not isinstance(key, str) or not key or len(key) > MAX_STRING or key.startswith('$'):
        raise Invalid('property names must be 1-255 characters and not start with $')
    return key


# Braze standard attributes and the normalizer of each. Anything else in ``attributes``
# is a custom attribute and goes through ``custom_attribute``.
STANDARD_ATTRIBUTES = {
    'first_name': text,
    'last_name': text,
    'email': email,
    'phone': phone,
    'dob': dob,
    'gender': gender,
    'home_city': text,
    'country': _letters(2, str.upper),
    'language': _letters(2, str.lower),
    'time_zone': text,
    'email_subscribe': subscription_state,
    'push_subscribe': subscription_state,
    'subscription_groups': subscription_groups,
    'current_location': location,
    'date_of_first_session': timestamp,
    'date_of_last_session': timestamp,
    'email_open_tracking_disabled': boolean,
    'email_click_tracking_disabled': boolean,
}

# Values of these fields are personal data: they are masked wherever a log line could show them.
PERSONAL_FIELDS = ('first_name', 'last_name', 'email', 'phone', 'dob', 'home_city')
