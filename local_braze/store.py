# -*- coding: utf-8 -*-
"""The emulator's user profiles, changed the way Braze changes them."""
import copy
import itertools
import threading

IDENTIFIER_KEYS = ('external_id', 'user_alias', 'braze_id', '_update_existing_only', '_merge_objects')
STANDARD = ('first_name', 'last_name', 'email', 'phone', 'dob', 'gender', 'home_city', 'country',
            'language', 'time_zone', 'email_subscribe', 'push_subscribe', 'current_location')


class Store(object):
    """Profiles keyed by identifier. Thread-safe: the server answers on many threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.profiles = []

    # --- lookup --------------------------------------------------------------------------
    def find(self, obj):
        if 'external_id' in obj:
            return self._first(lambda p: p['external_id'] == obj['external_id'])
        if 'user_alias' in obj:
            alias = obj['user_alias']
            key = (alias.get('alias_name'), alias.get('alias_label'))
            return self._first(lambda p: key in p['aliases'])
        if 'braze_id' in obj:
            return self._first(lambda p: p['braze_id'] == obj['braze_id'])
        for secondary in ('email', 'phone'):  # email wins over phone, as in Braze
            if secondary in obj:
                return self._first(lambda p: p['attributes'].get(secondary) == obj[secondary], newest=True)
        return None

    def _first(self, match, newest=False):
        found = [p for p in self.profiles if match(p)]
        return (found[-1] if newest else found[0]) if found else None

    def _create(self, obj):
        alias = obj.get('user_alias')
        profile = {
            'external_id': obj.get('external_id'),
            'braze_id': 'local{:020d}'.format(next(self._ids)),
            'aliases': [(alias['alias_name'], alias['alias_label'])] if alias else [],
            'attributes': {},
            'events': [],
            'purchases': [],
        }
        for secondary in ('email', 'phone'):
            if secondary in obj and not any(k in obj for k in ('external_id', 'user_alias', 'braze_id')):
                profile['attributes'][secondary] = obj[secondary]
        self.profiles.append(profile)
        return profile

    # --- changes -------------------------------------------------------------------------
    def apply(self, array, obj):
        """Apply one valid object. Returns True when it touched a profile."""
        with self._lock:
            profile = self.find(obj)
            if profile is None:
                if not self._may_create(array, obj):
                    return False
                profile = self._create(obj)
            getattr(self, '_apply_' + array)(profile, obj)
            return True

    @staticmethod
    def _may_create(array, obj):
        if 'braze_id' in obj:
            return False
        if 'user_alias' in obj:  # alias-only users only from attributes with _update_existing_only false
            return array == 'attributes' and obj.get('_update_existing_only') is False
        return obj.get('_update_existing_only') is not True

    @staticmethod
    def _apply_attributes(profile, obj):
        attributes = profile['attributes']
        merge = obj.get('_merge_objects') is True
        for key, value in obj.items():
            if key in IDENTIFIER_KEYS:
                continue
            if value is None:
                attributes.pop(key, None)
            elif isinstance(value, dict) and set(value) == {'inc'}:
                attributes[key] = (attributes.get(key) or 0) + value['inc']
            elif isinstance(value, dict) and set(value) <= {'add', 'remove'} and value:
                items = list(attributes.get(key) or [])
                items.extend(value.get('add', []))
                attributes[key] = [item for item in items if item not in value.get('remove', [])]
            elif isinstance(value, dict) and merge and isinstance(attributes.get(key), dict):
                attributes[key].update(copy.deepcopy(value))
            else:
                attributes[key] = copy.deepcopy(value)

    @staticmethod
    def _apply_events(profile, obj):
        profile['events'].append({k: copy.deepcopy(v) for k, v in obj.items() if k in ('name', 'time', 'properties', 'app_id')})

    @staticmethod
    def _apply_purchases(profile, obj):
        profile['purchases'].append({k: copy.deepcopy(v) for k, v in obj.items()
                                     if k in ('product_id', 'currency', 'price', 'quantity', 'time', 'properties')})

    # --- reading back --------------------------------------------------------------------
    def export(self, request):
        """``/users/export/ids``: the profiles named in ``request``, in Braze's export shape."""
        with self._lock:
            wanted, invalid = [], []
            for external_id in request.get('external_ids') or []:
                profile = self.find({'external_id': external_id})
                (wanted.append(profile) if profile else invalid.append(external_id))
            for alias in request.get('user_aliases') or []:
                profile = self.find({'user_alias': alias}) if isinstance(alias, dict) else None
                if profile:
                    wanted.append(profile)
            for braze_id in request.get('braze_ids') or []:
                profile = self.find({'braze_id': braze_id})
                if profile:
                    wanted.append(profile)
            if request.get('email_address'):
                wanted.extend(p for p in self.profiles if p['attributes'].get('email') == request['email_address'])
            users = [_exported(p) for p in wanted]
        answer = {'users': users, 'message': 'success'}
        if invalid:
            answer['invalid_user_ids'] = invalid
        return answer

    def snapshot(self):
        with self._lock:
            return copy.deepcopy(self.profiles)


def _exported(profile):
    user = {'braze_id': profile['braze_id']}
    if profile['external_id'] is not None:
        user['external_id'] = profile['external_id']
    if profile['aliases']:
        user['user_aliases'] = [{'alias_name': n, 'alias_label': l} for n, l in profile['aliases']]
    custom = {}
    for key, value in profile['attributes'].items():
        (user if key in STANDARD else custom)[key] = copy.deepcopy(value)
    if custom:
        user['custom_attributes'] = custom
    user['custom_events'] = _summary(profile['events'], 'name')
    user['purchases'] = _summary(profile['purchases'], 'product_id')
    return user


def _summary(items, key):
    grouped = {}
    for item in items:
        entry = grouped.setdefault(item[key], {'name': item[key], 'first': item['time'], 'last': item['time'],
                                               'count': 0})
        entry['first'] = min(entry['first'], item['time'])
        entry['last'] = max(entry['last'], item['time'])
        entry['count'] += 1
    return list(grouped.values())
