# -*- coding: utf-8 -*-
"""Development services a solution may bring along (stand-ins for the systems its nodes call).

local_pypestream knows nothing about them. A solution that wants them puts a module named
``local_services.py`` at its root (or names an importable one in ``LOCAL_PYPESTREAM_SERVICES``) with::

    @contextlib.contextmanager
    def start(app, env):          # before the first node runs; may fill app.PARAMS
        yield Session             # .banner: a line to print first (or None)
                                  # .report(): text to print at the end (or None)
                                  # .problems(log lines): what failed outside the flow (optional)

    COMMANDS = {'name': (add_arguments(parser), run(args, app) -> exit status)}   # optional:
                                  # more commands for python -m local_pypestream
"""
import contextlib
import importlib
import importlib.util
import os
import sys

from .solution import selected_root

DEFAULT_MODULE = 'local_services'


class NoServices(object):
    banner = None

    @staticmethod
    def report():
        return None


def _module():
    """The services of the selected solution: a module named by LOCAL_PYPESTREAM_SERVICES, else the
    ``local_services.py`` at the solution's root, else an importable ``local_services`` (the one
    installed beside this tool, for a solution that brings none), else none."""
    name = os.environ.get('LOCAL_PYPESTREAM_SERVICES')
    if name:
        return importlib.import_module(name)
    path = os.path.join(selected_root(), DEFAULT_MODULE + '.py')
    if not os.path.isfile(path):
        if DEFAULT_MODULE in sys.modules or importlib.util.find_spec(DEFAULT_MODULE) is not None:
            return importlib.import_module(DEFAULT_MODULE)
        return None
    loaded = sys.modules.get(DEFAULT_MODULE)
    if loaded is not None and os.path.abspath(getattr(loaded, '__file__', '') or '') == os.path.abspath(path):
        return loaded
    spec = importlib.util.spec_from_file_location(DEFAULT_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[DEFAULT_MODULE] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def started(app, env):
    """The solution's services around a run, or nothing when it has none."""
    module = _module()
    if module is None:
        yield NoServices()
        return
    with module.start(app, env) as session:
        yield session


def solution_commands():
    """The solution's own development commands: {name: (add_arguments, run)}."""
    module = _module()
    return dict(getattr(module, 'COMMANDS', {})) if module is not None else {}
