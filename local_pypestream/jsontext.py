# -*- coding: utf-8 -*-
"""Why a JSON text does not read, in words a flow designer can act on: where (line and column) and
the cause (a comma before } or ], a curly quote pasted from a document, single quotes, a key without
quotes), instead of the parser's "Expecting property name enclosed in double quotes"."""
import json
import re

CURLY = ('\u201c', '\u201d', '\u2018', '\u2019')  # “ ” ‘ ’
_BARE_KEY = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


def explain(text, error):
    """A ``json.JSONDecodeError`` (or any ValueError) of ``text`` -> 'line L column C: <cause>'."""
    position = getattr(error, 'pos', None)
    if position is None:
        return str(error)[:120]
    line, column = text.count('\n', 0, position) + 1, position - text.rfind('\n', 0, position)
    where = 'line {} column {}'.format(line, column)
    for curly in CURLY:
        found = text.find(curly)
        if found >= 0:
            at = text.count('\n', 0, found) + 1, found - text.rfind('\n', 0, found)
            return 'line {} column {}: a curly quote ({}) where JSON needs the straight quote ": retype the ' \
                   'quotes (a document or a spreadsheet turned them curly)'.format(at[0], at[1], curly)
    here = text[position:position + 1]
    before = text[:position].rstrip()
    if here in '}]' and before.endswith(','):
        return '{}: a comma before {}: remove it (JSON allows no trailing comma)'.format(where, here)
    if here == "'":
        return "{}: single quotes: JSON needs double quotes around keys and text".format(where)
    bare = _BARE_KEY.match(text, position)
    if error.msg.startswith('Expecting property name') and bare:
        return '{}: the key {} has no quotes: write "{}"'.format(where, bare.group()[:40], bare.group()[:40])
    return '{}: {}'.format(where, error.msg)


def loads(text):
    """(value, None) or (None, why) for ``text``."""
    try:
        return json.loads(text), None
    except ValueError as error:
        return None, explain(text, error)
    except RecursionError:
        return None, 'nested too deeply to read'
