# -*- coding: utf-8 -*-
"""The declarations of the nodes this tool carries (their package's ``braze_declarations.py``), read as
plain data: lint checks a row that calls one of them as the node itself would read it. The module
imports nothing of the node package, so it is loaded from its file alone, once."""
import importlib
import importlib.util
import os
import sys

from .bundle import CHECKOUT, PACKAGED

_LOADED = []


def module():
    """The declarations module, or None when it cannot be read."""
    if not _LOADED:
        _LOADED.append(_load())
    return _LOADED[0]


def nodes():
    """{class name: declaration} of every node the package declares; {} when the declarations cannot be read."""
    loaded = module()
    return dict(loaded.NODES) if loaded is not None else {}


def _load():
    folder = PACKAGED if os.path.isdir(PACKAGED) else CHECKOUT
    path = os.path.join(folder, 'braze_declarations.py')
    try:
        spec = importlib.util.spec_from_file_location('local_pypestream_braze_declarations', path)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
    except (OSError, SyntaxError, ImportError):
        return None
    return loaded


def package():
    """The node package itself (its settings, URL and wire modules), imported as a package of its own
    name from the folder this tool carries: the go-live check judges settings and reaches the workspace exactly
    as the nodes do. None when it cannot be imported."""
    if len(_LOADED) < 2:
        folder = PACKAGED if os.path.isdir(PACKAGED) else CHECKOUT
        name = 'local_pypestream_braze_nodes'
        try:
            spec = importlib.util.spec_from_file_location(name, os.path.join(folder, '__init__.py'),
                                                          submodule_search_locations=[folder])
            loaded = importlib.util.module_from_spec(spec)
            sys.modules[name] = loaded
            spec.loader.exec_module(loaded)
            for part in ('braze_settings', 'braze_wire', 'braze_url', 'braze_conventions'):
                setattr(loaded, part, importlib.import_module('{}.{}'.format(name, part)))
        except (OSError, SyntaxError, ImportError):
            loaded = None
        module()
        _LOADED.append(loaded)
    return _LOADED[1]
