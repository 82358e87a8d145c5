# -*- coding: utf-8 -*-
"""Load the repository root as the Pypestream solution package, the way the platform does.

The node says ``from .. import app``, so ``actions`` must be a subpackage of a package that
holds ``app.py``. The root is imported under one fixed name, whatever the checkout folder is
called, so tests and tools work from any clone.
"""
import importlib
import importlib.util
import os
import sys

PACKAGE = 'pypestream_solution'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_solution(root=ROOT, name=PACKAGE):
    """Import ``root`` as package ``name`` (once) and return it."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(root, '__init__.py'), submodule_search_locations=[root])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    importlib.import_module(name + '.app')
    return package


def load_module(dotted):
    """``load_module('actions.SomeNode')`` -> that module of the solution package."""
    load_solution()
    return importlib.import_module('{}.{}'.format(PACKAGE, dotted))


def load_node(class_name):
    """The node class ``class_name`` from ``actions/<class_name>.py``."""
    return getattr(load_module('actions.' + class_name), class_name)
