# -*- coding: utf-8 -*-
"""The emulator's user profiles, changed the way Braze documents."""
import copy
import datetime
import itertools
import threading

from . import nested

FLAGS = ('external_id', 'user_alias', 'braze_id', '_update_existing_only', '_merge_objects')
# Standard fields: exported at the top level of a user, never inside custom_attributes.
STANDARD = ('first_name', 'last_name', 'email', 'phone', 'dob', 'gender', 'home_city', 'country',
            'language', 'time_zone', 'email_subscribe', 'push_subscribe', 'subscription_groups', 'push_tokens',
            'date_of_first_session', 'date_of_last_session', 'email_open_tracking_disabled',
            'email_click_tracking_disabled')


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class Store(object):
    """Profiles keyed by identifier. Thread-safe: the server answers on many threads."""

    def __init__(self, array_limit=nested.MAX_ARRAY):
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._changes = itertools.count(1)
        self.array_limit = array_limit
        self.profiles = []

    # --- finding -------------------------------------------------------------------------
    def find(self, obj):
        """The profile an object names, as Braze resolves it (email before phone)."""
        if 'external_id' in obj:
            return self._first(lambda p: p['external_id'] == obj['external_id'])
        if 'user_alias' in obj:
            alias = obj['user_alias']
            wanted = (alias.get('alias_name'), alias.get('alias_label'))
            return self._first(lambda p: wanted in p['aliases'])
        if 'braze_id' in obj:
            return self._first(lambda p: p['braze_id'] == obj['braze_id'])
        for secondary in ('email', 'phone'):
            if secondary in obj:
                return self.by_contact(secondary, obj[secondary])
        return None

    def by_contact(self, field, value):
        """Several profiles with one email or phone: the most recently updated one with an
        external_id, else the most recently updated one."""
        found = self.all_by_contact(field, value)
        known = [p for p in found if p['external_id'] is not None]
        pool = known or found
        return max(pool, key=lambda p: p['updated']) if pool else None

    def all_by_contact(self, field, value):
        return [p for p in self.profiles if p['attributes'].get(field) == value]

    def by_priority(self, field, value, prioritization):
        """An email or phone identifier with Braze's ``prioritization`` (identify, merge, sends): the
        filters apply in order, and when more than one profile is left, none is chosen."""
        found = self.all_by_contact(field, value)
        for rule in prioritization:
            if rule == 'identified':
                found = [p for p in found if p['external_id'] is not None]
            elif rule == 'unidentified':
                found = [p for p in found if p['external_id'] is None]
            elif rule in ('most_recently_updated', 'least_recently_updated') and found:
                pick = max if rule == 'most_recently_updated' else min
                found = [pick(found, key=lambda p: p['updated'])]
        return found[0] if len(found) == 1 else None

    def resolve(self, identifier):
        """external_id, user_alias, or email / phone with prioritization -> profile or None."""
        for field in ('email', 'phone'):
            if field in identifier:
                return self.by_priority(field, identifier[field], identifier.get('prioritization') or [])
        return self.find(identifier)

    def _first(self, match):
        return next((p for p in self.profiles if match(p)), None)

    def create(self, external_id=None, alias=None):
        profile = {'external_id': external_id, 'braze_id': 'local{:020d}'.format(next(self._ids)),
                   'aliases': [alias] if alias else [], 'attributes': {}, 'events': [], 'purchases': [],
                   'created_at': now_iso(), 'updated': next(self._changes)}
        self.profiles.append(profile)
        return profile

    def touch(self, profile):
        profile['updated'] = next(self._changes)

    # --- /users/track --------------------------------------------------------------------
    def apply(self, array, obj, nested_ok=True):
        """Apply one valid object. Returns True when it touched a profile."""
        with self.lock:
            profile = self.find(obj)
            if profile is None:
                if not _may_create(array, obj):
                    return False
                alias = obj.get('user_alias')
                profile = self.create(obj.get('external_id'), (alias['alias_name'], alias['alias_label'])
                                      if alias else None)
                if not any(k in obj for k in ('external_id', 'user_alias', 'braze_id')):
                    for secondary in ('email', 'phone'):  # an email-only (or phone-only) user
                        if secondary in obj:
                            profile['attributes'][secondary] = obj[secondary]
                            break
            getattr(self, '_apply_' + array)(profile, obj, nested_ok)
            self.touch(profile)
            if array == 'attributes' and obj.get('subscription_groups'):
                # Braze's /users/track page: a group's state set this way changes for every other profile
                # with the same email too.
                email = profile['attributes'].get('email')
                for other in (self.all_by_contact('email', email) if email else []):
                    if other is not profile:
                        _set_groups(other['attributes'], obj['subscription_groups'])
                        self.touch(other)
            return True

    def _apply_attributes(self, profile, obj, nested_ok):
        attributes = profile['attributes']
        merge = obj.get('_merge_objects') is True
        for key, value in obj.items():
            if key in FLAGS:
                continue
            if key == 'subscription_groups':
                _set_groups(attributes, value)
                continue
            if nested.is_nested(value) and not nested_ok:
                continue  # one invalid nested value drops every nested update of the request
            if value is None:
                attributes.pop(key, None)
            elif isinstance(value, dict) and set(value) == {'inc'}:
                attributes[key] = (attributes.get(key) or 0) + value['inc']
            elif isinstance(value, dict) and value and set(value) <= {'add', 'remove'}:
                attributes[key] = nested.add_remove(attributes.get(key), value, self.array_limit)
            elif isinstance(value, dict) and value and set(value) <= set(nested.OPERATORS):
                attributes[key] = nested.apply_objects(attributes.get(key), value, merge)
            elif isinstance(value, dict):
                attributes[key] = nested.merge(attributes.get(key) if merge else {}, value)
            elif isinstance(value, list) and not nested.is_nested(value):
                attributes[key] = nested.as_set(value, self.array_limit)
            else:
                attributes[key] = nested.stored(copy.deepcopy(value))

    @staticmethod
    def _apply_events(profile, obj, nested_ok):
        profile['events'].append(_happened(obj, ('name', 'time', 'properties', 'app_id')))

    @staticmethod
    def _apply_purchases(profile, obj, nested_ok):
        profile['purchases'].append(_happened(obj, ('product_id', 'currency', 'price', 'quantity', 'time',
                                                    'properties', 'app_id')))

    # --- identify and merge --------------------------------------------------------------
    def absorb(self, kept, merged, with_data=True):
        """Move ``merged``'s aliases (one per label) and, with_data, its data into ``kept``."""
        labels = {label for _, label in kept['aliases']}
        kept['aliases'].extend(a for a in merged['aliases'] if a[1] not in labels)
        if with_data:
            for key, value in merged['attributes'].items():
                kept['attributes'].setdefault(key, copy.deepcopy(value))
            kept['events'].extend(merged['events'])
            kept['purchases'].extend(merged['purchases'])
        self.profiles.remove(merged)
        self.touch(kept)

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self.profiles)


def _set_groups(attributes, changes):
    """Each group's state, by group id, as the last change set it. Ours: which groups are SMS groups,
    and the double opt-in messages Braze sends for them, the emulator cannot know; it keeps the state
    asked and, when double opt-in was asked, says so beside it (docs/local_braze.md)."""
    held = {group['subscription_group_id']: group for group in attributes.get('subscription_groups') or []}
    for change in changes:
        entry = {'subscription_group_id': change['subscription_group_id'],
                 'subscription_state': change['subscription_state']}
        if change.get('use_double_opt_in_logic'):
            entry['use_double_opt_in_logic'] = True
        held[change['subscription_group_id']] = entry
    attributes['subscription_groups'] = [held[key] for key in sorted(held)]


def _may_create(array, obj):
    """Braze: never by braze_id; an alias-only user only from attributes with
    _update_existing_only false (events and purchases by alias are always update-only); otherwise
    unless _update_existing_only is true."""
    if 'braze_id' in obj:
        return False
    if 'user_alias' in obj:
        return array == 'attributes' and obj.get('_update_existing_only') is False
    return obj.get('_update_existing_only') is not True


def _happened(obj, keys):
    """An event or purchase as stored; a time in the future is stored as the current time."""
    stored = {k: copy.deepcopy(v) for k, v in obj.items() if k in keys}
    when = nested.parse_time(stored.get('time'))
    now = datetime.datetime.now(datetime.timezone.utc)
    stored['time'] = (now if when is None or when > now else when).isoformat()
    return stored
