# -*- coding: utf-8 -*-
"""POST /users/identify, /users/alias/new and /users/merge (api/endpoints/user_data/*).

A user holds at most one alias per label. Identify and merge move the merged profile's attributes
(those the kept profile lacks), events and purchases to the kept profile, as Braze documents. Braze
applies them asynchronously; the emulator applies them at once unless given a delay.
"""
MAX_ENTRIES = 50
MERGE_SHAPE = "'merge_updates' must be an array of objects"


def _alias(value):
    if isinstance(value, dict) and isinstance(value.get('alias_name'), str) and value.get('alias_name') \
            and isinstance(value.get('alias_label'), str) and value.get('alias_label'):
        return value['alias_name'], value['alias_label']
    return None


def identify(store, body):
    """-> (status, answer, change) where change() applies it to the store."""
    entries = body.get('aliases_to_identify')
    if any(key in body for key in ('emails_to_identify', 'phone_numbers_to_identify')) and not entries:
        return 400, {'message': 'local_braze emulates aliases_to_identify only'}, None
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        return 400, {'message': "'aliases_to_identify' must be an array of 1 to 50 objects"}, None
    behaviour = body.get('merge_behavior', 'none')
    if behaviour not in ('none', 'merge'):
        return 400, {'message': "'merge_behavior' must be 'none' or 'merge'"}, None
    pairs = []
    for entry in entries:
        alias = _alias(entry.get('user_alias')) if isinstance(entry, dict) else None
        external_id = entry.get('external_id') if isinstance(entry, dict) else None
        if alias is None or not isinstance(external_id, str) or not external_id:
            return 400, {'message': "each entry needs 'external_id' and 'user_alias'"}, None
        pairs.append((external_id, alias))

    def change():
        with store.lock:
            for external_id, alias in pairs:
                anonymous = store.find({'user_alias': {'alias_name': alias[0], 'alias_label': alias[1]}})
                if anonymous is None or anonymous['external_id'] is not None:
                    continue
                known = store.find({'external_id': external_id})
                if known is None:
                    anonymous['external_id'] = external_id
                    store.touch(anonymous)
                elif all(label != alias[1] for _, label in known['aliases']):
                    store.absorb(known, anonymous, with_data=behaviour == 'merge')
                # else: the known user already holds an alias with this label: Braze leaves both apart
    # aliases_processed counts the request's entries, as Braze's example answer shows.
    return 201, {'aliases_processed': len(pairs), 'message': 'success'}, change


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
                if store.find({'user_alias': {'alias_name': alias[0], 'alias_label': alias[1]}}):
                    continue
                if entry.get('external_id') is None:
                    store.create(alias=alias)
                    continue
                user = store.find({'external_id': entry['external_id']})
                if user is not None and all(label != alias[1] for _, label in user['aliases']):
                    user['aliases'].append(alias)
                    store.touch(user)
    return 201, {'aliases_processed': len(entries), 'message': 'success'}, change


def merge(store, body):
    updates = body.get('merge_updates')
    if not isinstance(updates, list) or not updates or not all(isinstance(u, dict) for u in updates):
        return 400, {'message': MERGE_SHAPE}, None
    if len(updates) > MAX_ENTRIES:
        return 400, {'message': 'Maximum of 50 merge_updates per request'}, None
    pairs = []
    for update in updates:
        merged, kept = update.get('identifier_to_merge'), update.get('identifier_to_keep')
        if not (_identifier(merged) and _identifier(kept)):
            return 400, {'message': "each update needs 'identifier_to_merge' and 'identifier_to_keep', each an "
                                    "external_id or a user_alias"}, None
        pairs.append((merged, kept))

    def change():
        with store.lock:
            for merged, kept in pairs:
                source, target = store.find(merged), store.find(kept)
                if source is not None and target is not None and source is not target:
                    store.absorb(target, source)
    return 202, {'message': 'success'}, change


def _identifier(value):
    return isinstance(value, dict) and len(value) == 1 and (
        isinstance(value.get('external_id'), str) or _alias(value.get('user_alias')) is not None)
