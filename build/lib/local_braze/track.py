# -*- coding: utf-8 -*-
"""POST /users/track (api/endpoints/user_data/post_user_track)."""
from . import nested, validation

ARRAYS = ('attributes', 'events', 'purchases')
NO_VALID_DATA = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."
MAX_INPUT = 'Max Input Length Exceeded'


def track(store, body, per_array, combined):
    """-> (status, answer). Braze processes attributes, then events, then purchases."""
    if not isinstance(body, dict):
        return 400, {'message': NO_VALID_DATA}
    arrays = {name: body.get(name) for name in ARRAYS if body.get(name) is not None}
    if any(not isinstance(items, list) for items in arrays.values()):
        return 400, {'message': NO_VALID_DATA}
    counts = [len(items) for items in arrays.values()]
    if (per_array is not None and any(count > per_array for count in counts)) or \
            (combined is not None and sum(counts) > combined):
        return 400, {'message': MAX_INPUT}
    errors, valid = [], {name: [] for name in arrays}
    for name, items in arrays.items():
        for index, obj in enumerate(items):
            problem = validation.CHECKS[name](obj) if isinstance(obj, dict) else validation.NO_IDENTIFIER
            if problem:
                errors.append({'type': problem, 'input_array': name, 'index': index})
            else:
                valid[name].append(obj)
    if not any(valid.values()):
        return 400, dict({'message': NO_VALID_DATA}, **({'errors': errors} if errors else {}))
    # Braze: one invalid nested value drops every nested update of the request (the rest applies).
    nested_ok = not any(nested.nested_error(value) for obj in valid.get('attributes', [])
                        for value in obj.values() if nested.is_nested(value))
    for name in ARRAYS:
        for obj in valid.get(name, []):
            store.apply(name, obj, nested_ok)
    answer = {'message': 'success'}
    answer.update(('{}_processed'.format(name), len(valid[name])) for name in arrays)
    if errors:
        answer['errors'] = errors
    return 201, answer
