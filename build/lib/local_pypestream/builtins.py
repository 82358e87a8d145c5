# -*- coding: utf-8 -*-
"""The platform's own commands (``Sys*``): never uploaded, no script in ``actions/``.

Their names come from a published production bot; what they do is inferred from its rows, so the
behaviour here is ours where it goes beyond that:
- ``SysAssignVariable``: ``{"set": {"NAME": "value"}}`` sets each global (values may hold ``{VAR}``,
  substituted by the flow before the call, as for any node).
- ``SysShowMetadata``: ``assign_metadata_vars`` copies chat metadata into globals (metadata field ->
  global name), ``passthrough_mapping`` copies keys of the page's passthrough JSON (key -> global).
  The metadata fields known here are ``METADATA`` below (ours: the production bot shows chat_id and
  session_id; the rest are the web chat's user_data).
- The others (``SysMultiMatchRouting``, ``SysSetEnv``, ``SysVariableReset``) answer ``success = true``.
Each returns ``success`` and the globals it sets, like a node, and never raises.
"""
import json

NAMES = ('SysShowMetadata', 'SysAssignVariable', 'SysMultiMatchRouting', 'SysSetEnv', 'SysVariableReset')
# Metadata field -> where the chat's context holds it.
METADATA = {
    'chat_id': ('chat_id',),
    'session_id': ('chat_id',),
    'platform': ('user_data', 'platform'),
    'device_type': ('user_data', 'device_type'),
    'browser_language': ('user_data', 'browser_language'),
    'last_viewed_url': ('user_data', 'last_viewed_url'),
    'page_url': ('user_data', 'last_viewed_url'),
}


def is_builtin(command):
    return command in NAMES


def run(command, payload, context):
    """The command's result dict (``success`` first, then the globals it sets)."""
    if command == 'SysAssignVariable':
        return _assign(payload)
    if command == 'SysShowMetadata':
        return _metadata(payload, context)
    return {'success': 'true'}


def _assign(payload):
    setting = payload.get('set')
    if not isinstance(setting, dict):
        return {'success': 'error'}
    result = {'success': 'true'}
    result.update((str(name), _text(value)) for name, value in setting.items())
    return result


def _metadata(payload, context):
    result = {'success': 'true'}
    for field, name in _pairs(payload.get('assign_metadata_vars')):
        result[name] = _text(_find(context, METADATA.get(field, ('user_data', field))))
    passthrough = _find(context, ('user_data', 'passthrough'))
    try:
        data = json.loads(passthrough) if isinstance(passthrough, str) and passthrough.strip() else passthrough
    except (ValueError, RecursionError):
        data = None
    for key, name in _pairs(payload.get('passthrough_mapping')):
        result[name] = _text(data.get(key)) if isinstance(data, dict) else ''
    return result


def _pairs(mapping):
    return [(str(k), str(v)) for k, v in mapping.items()] if isinstance(mapping, dict) else []


def _find(context, path):
    value = context
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value):
    if value is None:
        return ''
    return value if isinstance(value, str) else json.dumps(value)
