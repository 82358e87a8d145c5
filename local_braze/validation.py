# -*- coding: utf-8 -*-
"""Braze's per-object checks for /users/track, as documented (see docs/local_braze.md).

Each check returns None for a valid object or the ``type`` string Braze puts in its error
entry ``{"type", "input_array", "index"}``. Messages Braze is known to send verbatim are used
verbatim; the rest use Braze's documented error codes.
"""
import datetime
import re

PRIMARY = ('external_id', 'user_alias', 'braze_id')
SECONDARY = ('email', 'phone')
MAX_STRING = 255
MAX_EXTERNAL_ID_BYTES = 987
EVENT_RESERVED = ('time', 'event_name')
PURCHASE_RESERVED = ('time', 'product_id', 'quantity', 'event_name', 'price', 'currency')

NO_IDENTIFIER = "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required"
BAD_EMAIL = "The value provided for the 'email' field is not a valid email."
# Ours: Braze documents that two primary identifiers get the object refused, not the words.
TWO_IDENTIFIERS = "Only one of 'external_id', 'braze_id' or 'user_alias' may be provided"

_UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
_DOB = re.compile(r'^\d{4}-\d{2}-\d{2}$')
_ISO_TIME = re.compile(r'^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}([.:]\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$')


def identifier_error(obj):
    primary = [key for key in PRIMARY if key in obj]
    if len(primary) > 1:
        return TWO_IDENTIFIERS
    if not primary and not any(key in obj for key in SECONDARY):
        return NO_IDENTIFIER
    external_id = obj.get('external_id')
    if 'external_id' in obj and (not isinstance(external_id, str) or not external_id):
        # Braze took an integer external_id in recorded answers; ours: text only, as the nodes send.
        return "'external_id' must be a non-empty string (this emulator is stricter than Braze here)"
    if isinstance(external_id, str) and len(external_id.encode('utf-8', 'surrogatepass')) > MAX_EXTERNAL_ID_BYTES:
        return 'EXTERNAL_USER_ID_TOO_LARGE'
    alias = obj.get('user_alias')
    if 'user_alias' in obj and not (isinstance(alias, dict) and _texts(alias, ('alias_name', 'alias_label'))):
        return "'user_alias' must have a string 'alias_name' and 'alias_label'"
    if 'braze_id' in obj and not isinstance(obj['braze_id'], str):
        return "'braze_id' must be a string"
    return None


def subscription_groups_error(obj):
    """Braze's /users/track page: BAD_SUBSCRIPTION_GROUP_ARRAY (not a list), _HASH (an entry not an
    object), _ID ("must be a valid subscription group UUID"), _STATE (not subscribed or unsubscribed)."""
    if 'subscription_groups' not in obj:
        return None
    groups = obj['subscription_groups']
    if not isinstance(groups, list):
        return 'BAD_SUBSCRIPTION_GROUP_ARRAY'
    for group in groups:
        if not isinstance(group, dict):
            return 'BAD_SUBSCRIPTION_GROUP_HASH'
        if not (isinstance(group.get('subscription_group_id'), str) and _UUID.match(group['subscription_group_id'])):
            return 'BAD_SUBSCRIPTION_GROUP_ID'
        if group.get('subscription_state') not in ('subscribed', 'unsubscribed'):
            return 'BAD_SUBSCRIPTION_GROUP_STATE'
        if not isinstance(group.get('use_double_opt_in_logic', False), bool):
            return 'BAD_SUBSCRIPTION_GROUP_HASH'  # ours: Braze names no error for a flag that is not a boolean
    return None


def attributes_error(obj):
    problem = identifier_error(obj)
    if problem:
        return problem
    if 'email' in obj and obj['email'] is not None and not (
            isinstance(obj['email'], str) and _EMAIL.match(obj['email'])):
        return BAD_EMAIL
    for field, code in (('email_subscribe', 'BAD_EMAIL_SUBSCRIPTION_STATE'),
                        ('push_subscribe', 'BAD_PUSH_SUBSCRIPTION_STATE')):
        if field in obj and obj[field] not in ('opted_in', 'subscribed', 'unsubscribed'):
            return code
    problem = subscription_groups_error(obj)
    if problem:
        return problem
    if 'dob' in obj and obj['dob'] is not None and not _real_date(obj['dob']):
        return "Invalid 'dob': expected YYYY-MM-DD"
    if 'gender' in obj and obj['gender'] not in ('M', 'F', 'O', 'N', 'P', None):
        return "Invalid 'gender'"
    location = obj.get('current_location')
    if location is not None and not (isinstance(location, dict) and all(
            isinstance(location.get(k), (int, float)) for k in ('latitude', 'longitude'))):
        return 'BAD_LOCATION_UPDATE'
    for flag in ('_update_existing_only', '_merge_objects'):
        if flag in obj and not isinstance(obj[flag], bool):
            return "'{}' must be a boolean".format(flag)
    for key, value in obj.items():
        if not isinstance(key, str) or key.startswith('$') or len(key) > MAX_STRING:
            return 'Invalid attribute name'
        if key in PRIMARY:
            continue
        if isinstance(value, str) and len(value) > MAX_STRING:
            return "The value of '{}' is longer than 255 characters".format(key[:40])
        if isinstance(value, dict) and 'inc' in value and (
                isinstance(value['inc'], bool) or not isinstance(value['inc'], int) or len(value) > 1):
            return "Invalid 'inc' for '{}': an integer is required".format(key[:40])
        if isinstance(value, dict) and set(value) & {'add', 'remove'} and not (
                set(value) <= {'add', 'remove'} and all(isinstance(v, list) for v in value.values())):
            return "Invalid 'add'/'remove' for '{}': lists are required".format(key[:40])
    return None


def event_error(obj):
    return _update_flag(obj) or identifier_error(obj) or _named(obj, 'name') or _timed(obj) or \
        _properties_error(obj.get('properties'), EVENT_RESERVED)


def purchase_error(obj):
    problem = _update_flag(obj) or identifier_error(obj) or _named(obj, 'product_id') or _timed(obj)
    if problem:
        return problem
    currency = obj.get('currency')
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        return "'currency' must be a three-letter ISO 4217 code"
    price = obj.get('price')
    if isinstance(price, bool) or not isinstance(price, (int, float)):
        return "'price' is required and must be a number"
    quantity = obj.get('quantity', 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 100:
        return "'quantity' must be an integer from 1 to 100"
    return _properties_error(obj.get('properties'), PURCHASE_RESERVED)


def _update_flag(obj):
    if '_update_existing_only' in obj and not isinstance(obj['_update_existing_only'], bool):
        return "'_update_existing_only' must be a boolean"
    return None


CHECKS = {'attributes': attributes_error, 'events': event_error, 'purchases': purchase_error}


def _texts(obj, keys):
    return all(isinstance(obj.get(key), str) and obj.get(key) for key in keys)


def _named(obj, key):
    # Stricter than Braze was (ours): recorded answers show Braze taking an integer product_id; the
    # nodes always send text, so the emulator keeps text and says which rule a value broke.
    value = obj.get(key)
    if key not in obj or value in (None, ''):
        return "'{}' is required".format(key)
    if not isinstance(value, str):
        return "'{}' must be a string (this emulator is stricter than Braze here)".format(key)
    if len(value) > MAX_STRING:
        return "'{}' is longer than 255 characters".format(key)
    return None


def _timed(obj):
    value = obj.get('time')
    if 'time' not in obj or value in (None, ''):
        return "'time' is required"
    if not isinstance(value, str):
        return "'time' must be a string"
    if not _ISO_TIME.match(value):
        # Braze accepted "2019-02-15 00:00:00 -0500" in recorded answers; its pages ask for ISO 8601.
        return "'time' is not an ISO-8601 date-time (this emulator is stricter than Braze here)"
    return None


def _properties_error(properties, reserved):
    if properties is None:
        return None
    if not isinstance(properties, dict):
        return "'properties' must be an object"
    for key, value in properties.items():
        if key in reserved:
            return "'{}' is a reserved property name".format(key)
        if not key or key.startswith('$') or len(key) > MAX_STRING:
            return 'Invalid property name'
        if isinstance(value, str) and len(value) > MAX_STRING:
            return "The value of property '{}' is longer than 255 characters".format(key[:40])
    return None


def _real_date(value):
    if not isinstance(value, str) or not _DOB.match(value):
        return False
    try:
        datetime.date(*(int(part) for part in value.split('-')))
    except ValueError:
        return False
    return True
