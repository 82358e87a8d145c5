# -*- coding: utf-8 -*-
"""Development services a solution may bring along (stand-ins for the systems its nodes call).

local_pypestream knows nothing about them. A solution that wants them puts a module named
``local_services`` at its root (or names another one in ``LOCAL_PYPESTREAM_SERVICES``) with::

    @contextlib.contextmanager
    def start(app, env):          # before the first node runs; may fill app.PARAMS
        yield Session             # .banner: a line to print first (or None)
                                  # .report(): text to print at the end (or None)

    COMMANDS = {'name': (add_arguments(parser), run(args, app) -> exit status)}   # optional:
                                  # more commands for python -m local_pypestream
"""
import contextlib
import importlib
import os

DEFAULT_MODULE = 'local_services'


class NoServices(object):
    banner = None

    @staticmethod
    def report():
        return None


def _module():
    name = os.environ.get('LOCAL_PYPESTREAM_SERVICES', DEFAULT_MODULE)
    try:
        return importlib.import_module(name)
    except ImportError as error:
        if getattr(error, 'name', None) != name:
            raise
        return None


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
