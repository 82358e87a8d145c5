# -*- coding: utf-8 -*-
"""The action nodes this tool carries into a solution: where their files are, which helper modules
each node needs, and their version.

Installed with pip, the files are package data of this tool (``local_pypestream/nodes``, never a
top-level ``actions`` package); in a checkout they are the repository's own ``actions/``. A node is a
module whose file name is its class name (``BrazeUserTrack.py`` holds ``class BrazeUserTrack``);
every other module is a helper, copied only when a chosen node imports it, directly or not.
"""
import ast
import os
import re

from .solution import ROOT

PACKAGED = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'nodes')
CHECKOUT = os.path.join(ROOT, 'actions')
VERSION_MODULE = 'braze_version'
NODE_NAME = re.compile(r'^[A-Z][A-Za-z0-9]*$')


class BundleError(Exception):
    pass


class Bundle(object):
    def __init__(self, folder=None):
        self.folder = folder or (PACKAGED if os.path.isdir(PACKAGED) else CHECKOUT)
        self.sources = {}
        for entry in sorted(os.listdir(self.folder)):
            name, ext = os.path.splitext(entry)
            if ext == '.py' and name != '__init__':
                with open(os.path.join(self.folder, entry), encoding='utf-8') as handle:
                    self.sources[name] = handle.read()
        self.trees = {name: ast.parse(text) for name, text in self.sources.items()}
        self.nodes = [name for name in self.sources if NODE_NAME.match(name) and _defines(self.trees[name], name)]
        self.version = _version(self.trees.get(VERSION_MODULE))

    def imports(self, module):
        """The bundle modules ``module`` imports relatively (``from . import x``, ``from .x import y``)."""
        found = []
        for statement in ast.walk(self.trees[module]):
            if isinstance(statement, ast.ImportFrom) and statement.level == 1:
                names = [statement.module] if statement.module else [alias.name for alias in statement.names]
                for name in names:
                    if name not in self.sources:
                        raise BundleError('{} imports .{}, which is not in the bundle'.format(module, name))
                    found.append(name)
        return found

    def closure(self, nodes):
        """Every module the nodes need, helpers first, each after the modules it imports."""
        ordered, visiting = [], set()

        def visit(name):
            if name in ordered:
                return
            if name in visiting:
                raise BundleError('import cycle through {}'.format(name))
            visiting.add(name)
            for dependency in self.imports(name):
                visit(dependency)
            visiting.discard(name)
            ordered.append(name)

        for node in nodes:
            visit(node)
        return ordered


def _defines(tree, name):
    return any(isinstance(item, ast.ClassDef) and item.name == name for item in tree.body)


def _version(tree):
    for item in (tree.body if tree is not None else []):
        if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == '__version__'
                                                for t in item.targets):
            if isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
                return item.value.value
    raise BundleError('the bundle has no {}.__version__'.format(VERSION_MODULE))
