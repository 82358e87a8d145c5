# -*- coding: utf-8 -*-
"""Add settings to a solution's ``app.py`` as text, so every other byte of it stays as it was.

Real solutions write their settings as literal values in ``PARAMS`` (one block per environment)
and keep their own comments there: the file is edited, never regenerated. A key is inserted as a
line of its own right after the opening brace of each environment block that lacks it, indented as
the block's first key. Only what is plainly a literal is edited: ``PARAMS = {...}`` assigned once at
module level, each block a dict literal whose opening brace ends its line. Anything else (PARAMS
built by code, a block on one line) is left alone and the lines to add are reported instead.
A byte-order mark (Windows Notepad writes one) is read as Python reads it and kept; lines are
counted as ``ast`` counts them (a form feed or U+2028 ends no line there).
"""
import ast
import collections
import io
import tokenize

from .text import read_limited

ENVIRONMENTS = ('sandbox', 'live', 'prod', 'production')
MAX_APP = 1024 * 1024

Merge = collections.namedtuple('Merge', 'text added manual')
# text: the new app.py (the old one when nothing changed); added: [(env, key)];
# manual: [(env or None, line to add by hand)] for what could not be edited safely.


class AppError(Exception):
    """app.py cannot be read as a solution's settings: say why, write nothing."""


def read(path):
    """app.py's text; AppError for what is not a readable, parseable solution config."""
    data, problem = read_limited(path, MAX_APP)
    if problem:
        raise AppError('app.py {}{}'.format(problem, ': not a solution config' if problem.startswith('is over') else ''))
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as error:
        raise AppError('app.py is not UTF-8 (byte 0x{:02x} at offset {})'.format(data[error.start], error.start))
    _module(text)
    return text


BOM = '\ufeff'


def _module(text):
    try:
        return ast.parse(text[len(BOM):] if text.startswith(BOM) else text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        where = ' on line {}'.format(error.lineno) if getattr(error, 'lineno', None) else ''
        raise AppError('app.py is not valid Python{} ({})'.format(where, getattr(error, 'msg', None) or error))


def merge(text, settings):
    """Add each of ``settings`` (an ordered {key: value}) to every environment block lacking it.
    AppError when app.py has no module-level PARAMS at all. A byte-order mark stays where it is."""
    if text.startswith(BOM):
        merged = merge(text[len(BOM):], settings)
        return merged._replace(text=BOM + merged.text)
    tree = _module(text)
    assigned = [node for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                and any(isinstance(t, ast.Name) and t.id == 'PARAMS' for t in _targets(node))]
    if not assigned:
        raise AppError('app.py has no PARAMS: a solution config assigns PARAMS = {<env>: {...}} at module level')
    wanted = list(settings.items())
    params = assigned[0].value if len(assigned) == 1 else None
    if not _literal_dict(params):
        why = 'PARAMS is assigned more than once' if len(assigned) > 1 else 'PARAMS is not a dict literal'
        return Merge(text, [], [(None, '# {}: add to each environment block:'.format(why))]
                     + [(None, _line(key, value)) for key, value in wanted])
    lines = _lines(text)
    inserts, added, manual = [], [], []
    blocks = [(key.value, value) for key, value in zip(params.keys, params.values)
              if isinstance(key, ast.Constant) and key.value in ENVIRONMENTS]
    if not blocks:
        manual.append((None, '# PARAMS has no {} block: add to each of yours:'.format('/'.join(ENVIRONMENTS))))
        manual.extend((None, _line(key, value)) for key, value in wanted)
    for env, block in blocks:
        missing = [(key, value) for key, value in wanted if not _has_key(block, key)]
        if not missing:
            continue
        at = _insertion(lines, block) if _literal_dict(block) else None
        if at is None:
            manual.extend((env, _line(key, value)) for key, value in missing)
            continue
        row, indent, newline = at
        inserts.append((row, ''.join(indent + _line(key, value) + newline for key, value in missing)))
        added.extend((env, key) for key, _ in missing)
    for row, block_text in sorted(inserts, reverse=True):
        lines.insert(row, block_text)
    merged = ''.join(lines)
    if inserts:
        _check(merged, [env for env, _ in blocks], settings)
    return Merge(merged, added, manual)


def _lines(text):
    """The lines as ``ast`` numbers them: ended by \\n, \\r\\n or \\r only (str.splitlines also ends
    one at a form feed, U+2028 and others, and would put line numbers out of step)."""
    return io.StringIO(text, newline='').readlines()


def _targets(node):
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _literal_dict(node):
    return isinstance(node, ast.Dict) and all(key is not None for key in node.keys)


def _has_key(block, key):
    if not isinstance(block, ast.Dict):
        return False
    return any(isinstance(k, ast.Constant) and k.value == key for k in block.keys)


def _line(key, value):
    return '{!r}: {!r},'.format(key, value)


def _insertion(lines, block):
    """(row index to insert at, indentation, line ending) when the block's ``{`` ends its line."""
    row = block.lineno - 1
    brace_line = lines[row]
    column = len(brace_line.encode('utf-8')[:block.col_offset].decode('utf-8', 'replace'))
    if brace_line[column:column + 1] != '{' or not _only_comment(brace_line[column + 1:]):
        return None
    if block.keys and block.keys[0].lineno - 1 > row:
        first = lines[block.keys[0].lineno - 1]
        indent = first[:len(first) - len(first.lstrip(' \t'))]
    else:
        base = brace_line[:len(brace_line) - len(brace_line.lstrip(' \t'))]
        indent = base + ('\t' if base.startswith('\t') else '    ')
    newline = brace_line[len(brace_line.rstrip('\r\n')):] or '\n'
    return row + 1, indent, newline


def _only_comment(rest):
    """True when what follows the brace on its line is blank or a comment."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(rest).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    kinds = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT}
    return all(token.type in kinds for token in tokens)


def _check(merged, envs, settings):
    """The edited text must parse, and each edited block now hold every setting."""
    try:
        tree = ast.parse(merged)
    except SyntaxError:
        raise AppError('editing PARAMS would break app.py: nothing written (add the lines by hand)')
    params = [node.value for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
              and any(isinstance(t, ast.Name) and t.id == 'PARAMS' for t in _targets(node))][0]
    for key, block in zip(params.keys, params.values):
        if isinstance(key, ast.Constant) and key.value in envs and _literal_dict(block):
            if not all(_has_key(block, name) for name in settings):
                raise AppError('editing PARAMS went wrong for {!r}: nothing written'.format(key.value))
