# -*- coding: utf-8 -*-
"""A solution's action scripts read as Python reads them: bounded, in the encoding the file declares
(PEP 263: a coding line, else UTF-8, a byte-order mark allowed), parsed with ``ast``, and the node
class found syntactically (``class Foo (object):`` is a class Foo). Each answer is a finding, never
a traceback: lint and install-into run over files they did not write."""
import ast
import io
import os
import stat
import tokenize

from .text import printable, read_limited

MAX_SCRIPT = 4 * 1024 * 1024


def class_problem(actions, name, cache=None):
    """None when ``actions/<name>.py`` defines ``class <name>`` at its top level, else what is wrong."""
    path = os.path.join(actions, name + '.py')
    if cache is not None and path in cache:
        return cache[path]
    problem = _problem(path, name)
    if cache is not None:
        cache[path] = problem
    return problem


def _problem(path, name):
    where = 'actions/{}.py'.format(printable(name))
    try:
        info = os.stat(path)
    except OSError:
        return 'no class {0} in {1}'.format(printable(name), where)
    if not stat.S_ISREG(info.st_mode):
        return '{} is not a regular file'.format(where)
    data, problem = read_limited(path, MAX_SCRIPT)
    if problem:
        return '{} {}'.format(where, problem)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        return '{} cannot be read as Python reads it ({}): save it as UTF-8, or declare its encoding in a ' \
               '"# -*- coding: ... -*-" line'.format(where, printable(str(error))[:120])
    try:
        tree = ast.parse(text.lstrip('\ufeff'), filename=where)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, 'lineno', None)
        return '{} does not compile{}: {}'.format(where, ' (line {})'.format(line) if line else '',
                                                   printable(getattr(error, 'msg', None) or str(error))[:120])
    if not any(isinstance(item, ast.ClassDef) and item.name == name for item in tree.body):
        return 'no class {0} in {1}'.format(printable(name), where)
    return None
