# -*- coding: utf-8 -*-
"""POST /users/identify, /users/alias/new and /users/merge (api/endpoints/user_data/*).

A user holds at most one alias per label: identifying an alias into a user that already has an
alias with that label leaves both profiles apart. Identify and merge move the fields the kept
profile lacks, and the events and purchases, to the kept profile, as Braze documents. Braze applies
them asynchronously; the emulator applies them at once unless given a delay.
"""
MAX_ENTRIES = 50
# Braze's own messages (post_users_merge.md, "Troubleshooting").
MERGE_SHAPE = "'merge_updates' must be an array of objects"
MERGE_TOO_MANY = 'a single request may not contain more than 50 merge updates'
MERGE_KEYS = "'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'"
MERGE_IDENTIFIERS = ("identifiers must be objects with an 'external_id' property that is a string, 'user_alias' "
                     "property that is an object, 'email' property that is a string, or 'phone' property that is "
                     "a string")
PRIORITIES = ('identified', 'unidentified', 'most_recently_updated', 'least_recently_updated')


def _alias(value):
    if isinstance(value, dict) and isinstance(value.get('alias_name'), str) and value.get('alias_name') \
            and isinstance(value.get('alias_label'), str) and value.get('alias_label'):
        return {'alias_name': value['alias_name'], 'alias_label': value['alias_label']}
    return None


def _contact(entry, field):
    """An email or phone identifier with its prioritization, or None when malformed."""
    value, order = entry.get(field), entry.get('prioritization')
    if not isinstance(value, str) or not isinstance(order, list) or not order or \
            not all(rule in PRIORITIES for rule in order) or {'identified', 'unidentified'} <= set(order):
        return None
    return {field: value, 'prioritization': order}


def identify(store, body):
    """-> (status, answer, change) where change() applies it to the store."""
    entries = []
    for key, field in (('aliases_to_identify', 'user_alias'), ('emails_to_identify', 'email'),
                       ('phone_numbers_to_identify', 'phone')):
        given = body.get(key, [])
        if not isinstance(given, list):
            return 400, {'message': "'{}' must be an array".format(key)}, None
        for entry in given:
            external_id = entry.get('external_id') if isinstance(entry, dict) else None
            who = {'user_alias': _alias(entry.get('user_alias'))} if field == 'user_alias' and isinstance(
                entry, dict) else _contact(entry, field) if isinstance(entry, dict) else None
            if not isinstance(external_id, str) or not external_id or not who or who.get('user_alias', 1) is None:
                return 400, {'message': "each entry of '{}' needs 'external_id' and its identifier".format(key)}, None
            entries.append((external_id, who, field == 'user_alias'))
    if not entries:
        return 400, {'message': "one of 'aliases_to_identify', 'emails_to_identify' or "
                                "'phone_numbers_to_identify' is required"}, None
    if len(entries) > MAX_ENTRIES:
        return 400, {'message': 'up to 50 identifiers may be identified per request'}, None
    # Older pages document merge_behavior none|merge; the current page merges by default.
    merge_data = body.get('merge_behavior', 'merge') != 'none'

    def change():
        with store.lock:
            for external_id, who, by_alias in entries:
                anonymous = store.resolve(who)
                if anonymous is None or anonymous['external_id'] is not None:
                    continue
                known = store.find({'external_id': external_id})
                if known is None:
                    anonymous['external_id'] = external_id
                    store.touch(anonymous)
                elif not by_alias or all(label != who['user_alias']['alias_label'] for _, label in known['aliases']):
                    store.absorb(known, anonymous, with_data=merge_data)
    # aliases_processed counts the request's aliases, as Braze's example answer shows.
    processed = len(body.get('aliases_to_identify') or [])
    return 201, {'aliases_processed': processed, 'message': 'success'}, change


def alias_new(store, body):
    entries = body.get('user_aliases')
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        return 400, {'message': "'user_aliases' must be an array of 1 to 50 objects"}, None
    for entry in entries:
        if not isinstance(entry, dict) or _alias(entry) is None:
            return 400, {'message': "each alias needs 'alias_name' and 'alias_label'"}, None

    def change():
        with store.lock:
            for entry in entries:
                alias = _alias(entry)
                if store.find({'user_alias': alias}):
                    continue
                pair = (alias['alias_name'], alias['alias_label'])
                if entry.get('external_id') is None:
                    store.create(alias=pair)  # a new alias-only user
                    continue
                user = store.find({'external_id': entry['external_id']})
                # No such user: the alias is added to nobody. One alias per label.
                if user is not None and all(label != pair[1] for _, label in user['aliases']):
                    user['aliases'].append(pair)
                    store.touch(user)
    return 201, {'aliases_processed': len(entries), 'message': 'success'}, change


def merge(store, body):
    updates = body.get('merge_updates')
    if not isinstance(updates, list) or not updates or not all(isinstance(u, dict) for u in updates):
        return 400, {'message': MERGE_SHAPE}, None
    if len(updates) > MAX_ENTRIES:
        return 400, {'message': MERGE_TOO_MANY}, None
    pairs = []
    for update in updates:
        if set(update) != {'identifier_to_merge', 'identifier_to_keep'}:
            return 400, {'message': MERGE_KEYS}, None
        merged, kept = _identifier(update['identifier_to_merge']), _identifier(update['identifier_to_keep'])
        if merged is None or kept is None:
            return 400, {'message': MERGE_IDENTIFIERS}, None
        pairs.append((merged, kept))

    def change():
        with store.lock:
            for merged, kept in pairs:
                source, target = store.resolve(merged), store.resolve(kept)
                if source is not None and target is not None and source is not target:
                    store.absorb(target, source)
    return 202, {'message': 'success'}, change


def _identifier(value):
    if not isinstance(value, dict):
        return None
    if isinstance(value.get('external_id'), str):
        return {'external_id': value['external_id']}
    if 'user_alias' in value:
        alias = _alias(value['user_alias'])
        return {'user_alias': alias} if alias else None
    for field in ('email', 'phone'):
        if field in value:
            return _contact(value, field)
    return None
