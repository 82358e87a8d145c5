# -*- coding: utf-8 -*-
"""Load a solution folder (``app.py`` beside ``actions/``) as a package, the way the platform does.

The node says ``from .. import app``, so ``actions`` must be a subpackage of a package that holds
``app.py``. This repository is imported under one fixed name, whatever the checkout folder is
called, so tests and tools work from any clone; another solution (``--solution DIR``) gets a name
of its own, so the two never share a module. ``select`` picks the solution the tools run.
"""
import hashlib
import importlib
import importlib.util
import os
import sys

PACKAGE = 'pypestream_solution'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_selected = []


def is_solution(folder):
    return os.path.isfile(os.path.join(folder, 'app.py')) and os.path.isdir(os.path.join(folder, 'actions'))


def find_solution(path):
    """The nearest folder at or above ``path`` holding app.py and actions/, or None."""
    folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)))
    while True:
        if is_solution(folder):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def select(root):
    """Make ``root`` the solution that load_solution/load_module/load_node use from now on."""
    _selected[:] = [os.path.abspath(root)]


def selected_root():
    return _selected[0] if _selected else ROOT


def package_name(root):
    root = os.path.abspath(root)
    if root == ROOT:
        return PACKAGE
    return '{}_{}'.format(PACKAGE, hashlib.sha256(root.encode('utf-8', 'surrogateescape')).hexdigest()[:12])


def load_solution(root=None, name=None):
    """Import the solution at ``root`` (default: the selected one) as a package (once) and return it."""
    root = os.path.abspath(root or selected_root())
    name = name or package_name(root)
    if name in sys.modules:
        return sys.modules[name]
    init = os.path.join(root, '__init__.py')
    if os.path.isfile(init):
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[root])
    else:  # real solutions need no __init__.py at their root: a package of the folder alone
        spec = importlib.util.spec_from_loader(name, loader=None, is_package=True)
        spec.submodule_search_locations = [root]
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    try:
        if spec.loader is not None:
            spec.loader.exec_module(package)
        importlib.import_module(name + '.app')
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return package


def load_module(dotted, root=None):
    """``load_module('actions.SomeNode')`` -> that module of the solution package."""
    package = load_solution(root)
    return importlib.import_module('{}.{}'.format(package.__name__, dotted))


def solution_nodes(root=None):
    """The node classes the solution's actions/ holds, by file name (``Name.py`` holds ``class Name``)."""
    folder = os.path.join(os.path.abspath(root or selected_root()), 'actions')
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(name[:-3] for name in names if name.endswith('.py') and name[:1].isupper() and
                  name[:-3].isidentifier())


def load_node(class_name, root=None):
    """The node class ``class_name`` from ``actions/<class_name>.py``."""
    return getattr(load_module('actions.' + class_name, root), class_name)
