# -*- coding: utf-8 -*-
"""Custom attribute values as Braze changes them (api/objects_filters/user_attributes_object):
arrays of strings are sets, nested objects merge deeply, arrays of objects take $add, $update and
$remove, and dates inside objects are written {"$time": ...}."""
import copy
import datetime
import json
import re

MAX_ARRAY = 25             # elements Braze keeps in an array attribute by default (up to 100 when raised)
MAX_NESTED_BYTES = 100 * 1024
MAX_KEY = 255
_ISO = re.compile(r'^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}([.:]\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$')
OPERATORS = ('$add', '$update', '$remove')


def parse_time(value):
    """An ISO-8601 text -> aware datetime, or None."""
    if not isinstance(value, str) or not _ISO.match(value):
        return None
    text = value.replace('Z', '+00:00')
    text = re.sub(r'([+-]\d{2})(\d{2})$', r'\1:\2', text)
    text = re.sub(r'(T\d{2}:\d{2}:\d{2}):(\d+)', r'\1.\2', text)
    match = re.match(r'^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$', text)
    if match:  # fromisoformat on older Pythons takes only 3 or 6 fraction digits
        text = '{}.{}{}'.format(match.group(1), match.group(2)[:6].ljust(6, '0'), match.group(3))
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def is_nested(value):
    """An update of a nested attribute (an object, an array of objects, or an object operator)."""
    if isinstance(value, dict):
        return not (value and set(value) <= {'inc', 'add', 'remove'})
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def nested_error(value, depth=0):
    """Why Braze would refuse this nested value, or None."""
    if len(json.dumps(value)) > MAX_NESTED_BYTES:
        return 'nested attribute larger than 100 KB'
    return _walk_error(value, depth)


def _walk_error(value, depth):
    if depth > 50:
        return 'nested too deep'
    if isinstance(value, dict):
        if set(value) == {'$time'}:
            return None if parse_time(value['$time']) else "'$time' is not an ISO-8601 date-time"
        for key, item in value.items():
            operator = depth == 0 and key in OPERATORS
            identifying = key in ('$identifier_key', '$identifier_value', '$new_object')
            # Braze: no spaces, periods or dollar signs in nested keys, at most 255 characters.
            if not (operator or identifying) and (not isinstance(key, str) or not key or len(key) > MAX_KEY
                                                  or any(ch in key for ch in ' .$')):
                return 'invalid nested key'
            problem = _walk_error(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _walk_error(item, depth + 1)
            if problem:
                return problem
    return None


def stored(value):
    """A nested value as stored: {"$time": ...} becomes the date-time text."""
    if isinstance(value, dict):
        if set(value) == {'$time'}:
            return parse_time(value['$time']).isoformat()
        return {key: stored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stored(item) for item in value]
    return value


def merge(target, patch):
    """Braze's _merge_objects: a deep merge at every level; null removes a key."""
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = stored(value)
    return result


def apply_objects(current, operation, merge_objects):
    """$add, $update, $remove on an array of objects. Without _merge_objects an $update
    overwrites the matching objects (array_of_objects: "or your objects will be overwritten")."""
    items = [item for item in (current or []) if isinstance(item, dict)] if isinstance(current, list) else []
    for entry in operation.get('$add', []):
        items.append(stored(entry))
    for entry in operation.get('$update', []):
        key, wanted = entry['$identifier_key'], stored(entry['$identifier_value'])
        items = [(merge(item, entry['$new_object']) if merge_objects else stored(entry['$new_object']))
                 if item.get(key) == wanted else item for item in items]
    for entry in operation.get('$remove', []):
        key, wanted = entry['$identifier_key'], stored(entry['$identifier_value'])
        items = [item for item in items if item.get(key) != wanted]  # every match
    return items


def as_set(items, limit):
    """An array of strings as Braze keeps it: duplicates collapsed, at most ``limit`` elements."""
    result = []
    for item in items:
        if item not in result:
            result.append(item)
    return result[:limit]


def add_remove(current, operation, limit):
    """{"add": [...], "remove": [...]}: add appends, or moves a present value to the end; the
    oldest elements go when the array outgrows ``limit`` (our reading of "truncated")."""
    items = list(current) if isinstance(current, list) else []
    for item in operation.get('add', []):
        if item in items:
            items.remove(item)
        items.append(item)
    removed = operation.get('remove', [])
    items = [item for item in items if item not in removed]
    return items[-limit:] if len(items) > limit else items
