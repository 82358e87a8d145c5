# -*- coding: utf-8 -*-
"""Call an action node the way a Pypestream flow does: ``execute(log, payload, context)``."""
import uuid

from .solution import load_node

# What a web chat's context holds besides env (fields seen in Pypestream's own nodes).
DEFAULT_USER_DATA = {
    'platform': 'web',
    'device_type': 'desktop',
    'browser_language': 'en-US',
    'last_viewed_url': 'https://www.example.com/pricing',
    'passthrough': '',
}


def make_context(env='sandbox', extra=None):
    context = {'env': env, 'chat_id': str(uuid.uuid4()), 'user_data': dict(DEFAULT_USER_DATA), 'events': []}
    for key, value in (extra or {}).items():
        if key == 'user_data' and isinstance(value, dict):
            context['user_data'].update(value)
        else:
            context[key] = value
    return context


class NotLoaded(Exception):
    """The node's script could not be loaded (missing, not compiling, no class of that name)."""


def run_node(class_name, payload, context, log):
    """Instantiate the node as the platform does and call it; returns its dict."""
    try:
        node_class = load_node(class_name)
    except Exception as error:  # said as a finding by the caller: the platform would not run the flow
        raise NotLoaded('actions/{}.py could not be loaded ({}: {})'.format(class_name, type(error).__name__,
                                                                            str(error)[:160]))
    return node_class().execute(log, payload, context)
