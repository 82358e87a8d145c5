# -*- coding: utf-8 -*-
"""POST /users/export/ids (api/endpoints/export/user_data/post_users_identifier).

The user object has the shape of Braze's recorded answers (docs/local_braze.md): ``user_aliases``
always (``[]`` when none), ``email_subscribe`` / ``push_subscribe``, ``random_bucket``,
``total_revenue``; ``custom_events`` and ``purchases`` left out when there are none; times in UTC
with milliseconds and ``Z`` (``2020-06-17T20:01:33.385Z``), which ``datetime.fromisoformat`` refuses
before Python 3.11, as code reading Braze's answers must know.
"""
import copy
import datetime
import zlib

from . import nested
from .store import STANDARD

MAX_IDS = 50
SINGLE_KEYS = ('braze_id', 'device_id', 'email_address', 'phone')
NO_IDENTIFIER = 'Request must include external_ids, user_aliases, braze_id, device_id, email_address or phone'


def export(store, body):
    """-> (status, answer)."""
    external_ids = body.get('external_ids') or []
    aliases = body.get('user_aliases') or []
    single = [key for key in SINGLE_KEYS if body.get(key) is not None]
    if not isinstance(external_ids, list) or not isinstance(aliases, list):
        return 400, {'message': "'external_ids' and 'user_aliases' must be arrays"}
    if len(external_ids) + len(aliases) > MAX_IDS:
        return 400, {'message': 'Maximum of {} external_ids and user_aliases per request'.format(MAX_IDS)}
    if not (external_ids or aliases or single):
        return 400, {'message': NO_IDENTIFIER}
    if any(not isinstance(body[key], str) for key in single):
        return 400, {'message': '{} must be a string'.format(single[0])}
    fields = body.get('fields_to_export')
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        return 400, {'message': "'fields_to_export' must be an array of strings"}
    with store.lock:
        found, invalid = [], []
        for external_id in external_ids:
            profile = store.find({'external_id': external_id}) if isinstance(external_id, str) else None
            (found.append(profile) if profile else invalid.append(external_id))
        for alias in aliases:
            profile = store.find({'user_alias': alias}) if isinstance(alias, dict) else None
            (found.append(profile) if profile else invalid.append(alias))
        if body.get('braze_id') is not None:
            found.extend(p for p in [store.find({'braze_id': body['braze_id']})] if p)
        if body.get('email_address') is not None:
            found.extend(store.all_by_contact('email', body['email_address']))
        if body.get('phone') is not None:
            found.extend(store.all_by_contact('phone', body['phone']))
        unique = []
        for profile in found:
            if all(profile is not other for other in unique):
                unique.append(profile)
        users = [exported(profile, fields) for profile in unique]
    answer = {'users': users, 'message': 'success'}
    if invalid:
        answer['invalid_user_ids'] = invalid
    return 201, answer


def exported(profile, fields=None):
    """A profile in Braze's export shape; only ``fields`` when given. A missing field is left out."""
    user = {'braze_id': profile['braze_id'], 'created_at': braze_time(nested.parse_time(profile['created_at']))}
    if profile['external_id'] is not None:
        user['external_id'] = profile['external_id']
    user['user_aliases'] = [{'alias_name': n, 'alias_label': l} for n, l in profile['aliases']]
    # Defaults of a profile that never set them (ours: Braze's recorded answers show these values).
    user['email_subscribe'] = user['push_subscribe'] = 'subscribed'
    user['random_bucket'] = zlib.crc32(profile['braze_id'].encode('ascii')) % 10000  # stable per profile
    # A float even with no purchase: Braze's recorded answers send 0.0 and 19.03, never an integer.
    user['total_revenue'] = round(sum((float(p.get('price', 0)) * int(p.get('quantity', 1))
                                       for p in profile['purchases']), 0.0), 2)
    custom = {}
    for key, value in profile['attributes'].items():
        if key == 'current_location':
            user['last_coordinates'] = [value.get('longitude'), value.get('latitude')]
        else:
            (user if key in STANDARD else custom)[key] = copy.deepcopy(value)
    if custom:
        user['custom_attributes'] = custom
    for name, items, key in (('custom_events', profile['events'], 'name'), ('purchases', profile['purchases'],
                                                                            'product_id')):
        if items:  # Braze leaves the list out when there is none
            user[name] = _summary(items, key)
    if fields is not None:
        user = {key: value for key, value in user.items() if key in fields}
    return user


def _summary(items, key):
    grouped = {}
    for item in items:
        when = nested.parse_time(item['time'])
        entry = grouped.get(item[key])
        if entry is None:
            entry = grouped[item[key]] = {'name': item[key], 'first': when, 'last': when, 'count': 0}
        entry['first'] = min(entry['first'], when)
        entry['last'] = max(entry['last'], when)
        entry['count'] += 1
    return [dict(entry, first=braze_time(entry['first']), last=braze_time(entry['last']))
            for entry in grouped.values()]


def braze_time(when):
    """An aware datetime as Braze writes times in its answers: UTC, milliseconds, Z."""
    utc = when.astimezone(datetime.timezone.utc)
    return utc.strftime('%Y-%m-%dT%H:%M:%S.') + '{:03d}Z'.format(utc.microsecond // 1000)
