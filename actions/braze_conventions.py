# -*- coding: utf-8 -*-
"""Pypestream's conventions, each defined once for every node and every setting.

- *Missing*: the platform hands an unset global over as ``None`` or ``"None"``; an empty text and
  a ``{ ... }`` that nobody replaced (the partner page's ``{ BRAZE API KEY }``, a ``{VAR}`` the flow
  never set) mean the same. Missing values are never sent to Braze.
- The words for true and false, in settings and in Parameter Input alike.
- The environment names: Pypestream runs ``sandbox`` and ``live``; Braze's partner page calls the
  second one ``prod``.
"""
import json
import re

# A whole value that is a reference to a global: "{USER_ID}", "{ USER_ID }".
REFERENCE = re.compile(r'^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$')

TRUE_WORDS = frozenset(('true', 'yes', 'on', '1'))
FALSE_WORDS = frozenset(('false', 'no', 'off', '0'))

# Each name a flow or a setting may use -> the PARAMS blocks to try, in order.
_LIVE = ('live', 'prod', 'production')
ENVIRONMENTS = {
    'sandbox': ('sandbox',),
    'live': _LIVE,
    'prod': ('prod',) + _LIVE,
    'production': ('production',) + _LIVE,
}


def is_missing(value):
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text in ('', 'None') or (text[0] == '{' and text[-1] == '}')


def reference_name(value):
    """``"{ USER_ID }"`` -> ``"USER_ID"``; anything else -> None."""
    if not isinstance(value, str):
        return None
    # A flow's Parameter Inputs repeat the same few references on every call: remember them.
    name = _NAMES.get(value)
    if name is None and '{' in value[:3] and value.rstrip()[-1:] == '}':
        match = REFERENCE.match(value.strip())
        if match is None:
            return None
        if len(_NAMES) >= 256:
            _NAMES.clear()
        name = _NAMES[value] = match.group(1)
    return name


_NAMES = {}


def as_bool(value):
    """True or False from a bool or one of the words; ValueError for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError('expected true or false')


def environment_blocks(env):
    """The PARAMS block names to try for ``context['env']`` (already stripped and lower-cased)."""
    return ENVIRONMENTS.get(env, (env,))


def parse_json_object(text):
    """A Parameter Input handed over as text: JSON, with or without a byte-order mark.

    Returns a dict, or None when the text is not a JSON object."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8-sig')
        except UnicodeDecodeError:
            return None
    text = text.lstrip('\ufeff')
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict) else None
