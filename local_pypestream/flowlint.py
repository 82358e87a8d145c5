# -*- coding: utf-8 -*-
"""The compile rules Pypestream applies to a flow, checked before it is uploaded.

Each finding names the node and the column. Errors are what the platform refuses; warnings are
what a production flow got away with (upper-case route values, a value routed twice, raw newlines
inside Parameter Input strings, an action without an error route) and is worth a second look.
"""
import json
import os

from . import builtins, flowfile

ACTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'actions')


def lint(flow, actions=ACTIONS):
    """-> [Problem], reading problems first, then each node in file order."""
    found = list(flow.problems)
    if flow.nodes and not flow.has(1):
        found.append(flowfile.Problem('error', None, 'Node Number', 'there is no node 1 to start from'))
    declared = _declared(flow)
    for node in sorted(flow.nodes.values(), key=lambda n: n.line):
        problem = _Checker(node, flow, declared, actions)
        problem.check()
        found.extend(problem.found)
    reached = _reachable(flow)
    for node in sorted(flow.nodes.values(), key=lambda n: n.line):
        if node.number not in reached and not node.cell('Intent') and node.number not in HANDLERS:
            found.append(flowfile.Problem('warning', node.number, 'Node Number', 'cannot be reached from node 1'))
    return found


# Entered by the platform itself: the error handlers (an exception, a routing failure).
HANDLERS = (-500, 99990)


def _reachable(flow):
    seen, pending = set(), [1] + [n for n in HANDLERS if flow.has(n)]
    while pending:
        number = pending.pop()
        node = flow.nodes.get(number)
        if node is None or number in seen:
            continue
        seen.add(number)
        pending.extend(n for n in node.next_nodes if n is not None)
        try:
            pending.extend(r.destination for r in flowfile.routes(node.cell('What Next?')))
        except ValueError:
            pass
        try:
            pending.extend(c.destination for c in flowfile.options(node))
        except ValueError:
            pass
    return seen


def _declared(flow):
    names = set(flowfile.PLATFORM_VARIABLES)
    for node in flow.nodes.values():
        names.update(node.variables)
        names.update(node.outputs)
        names.update(part.split(':', 1)[0].strip() for part in node.cell('Node Input').split(',') if part.strip())
    return names


class _Checker(object):
    def __init__(self, node, flow, declared, actions):
        self.node, self.flow, self.declared, self.actions = node, flow, declared, actions
        self.found = []

    def error(self, column, message):
        self.found.append(flowfile.Problem('error', self.node.number, column, message))

    def warning(self, column, message):
        self.found.append(flowfile.Problem('warning', self.node.number, column, message))

    def check(self):
        node = self.node
        if node.kind not in ('A', 'D'):
            self.error('Node Type', 'must be A (action) or D (message), not {!r}'.format(node.cell('Node Type')[:10]))
            return
        self._destinations('Next Nodes', node.next_nodes, node.cell('Next Nodes'))
        (self._action if node.kind == 'A' else self._message)()
        for name in node.variables:
            if not flowfile.GLOBAL_NAME.match(name):
                self.error('Variable', '{!r} is not an UPPER_CASE global name'.format(name[:40]))
        for column in ('Message', 'Parameter Input', 'Rich Asset Content'):
            for name in flowfile.references(node.cell(column)):
                if not flowfile.GLOBAL_NAME.match(name):
                    self.error(column, '{{{}}} is not an UPPER_CASE global name'.format(name))
                elif name not in self.declared:
                    self.error(column, '{{{}}} is not declared (no Variable column, action Output or platform '
                                       'variable names it)'.format(name))

    def _destinations(self, column, numbers, text):
        if any(number is None for number in numbers):
            self.error(column, '{!r} holds something that is not a node number'.format(text[:40]))
        for number in numbers:
            if number is not None and not self.flow.has(number):
                self.error(column, 'node {} does not exist'.format(number))

    def _action(self):
        node = self.node
        command = node.cell('Command')
        if not command:
            self.error('Command', 'an action node needs the name of its class')
        elif not builtins.is_builtin(command) and not _class_exists(self.actions, command):
            self.error('Command', 'no class {0} in actions/{0}.py'.format(command))
        decision = node.cell('Decision Variable')
        if not decision:
            self.error('Decision Variable', 'an action node needs one')
        elif decision not in node.outputs:
            self.error('Decision Variable', '{!r} is not listed in Output'.format(decision))
        try:
            routes = flowfile.routes(node.cell('What Next?'))
        except ValueError as problem:
            self.error('What Next?', str(problem))
            routes = []
        self._destinations('What Next?', [r.destination for r in routes], node.cell('What Next?'))
        values = [r.value for r in routes]
        if routes and 'error' not in [v.lower() for v in values]:
            self.warning('What Next?', 'no error route: an error would leave the user stranded')
        for value in sorted(set(values)):
            if not flowfile.ROUTE_VALUE.match(value):
                self.warning('What Next?', 'route value {!r} is not lower-case letters, digits and _'.format(value))
            if len({r.destination for r in routes if r.value == value}) > 1:
                self.warning('What Next?', 'route value {!r} has two destinations; the first wins'.format(value))
        self._parameter_input(node.cell('Parameter Input'))

    def _parameter_input(self, text):
        if not text:
            return
        repeated = []
        try:
            data = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, repeated))
        except (ValueError, RecursionError):
            try:
                data = flowfile.lenient_json(text)
            except ValueError as problem:
                self.error('Parameter Input', 'not JSON ({})'.format(str(problem)[:80]))
                return
            self.warning('Parameter Input', 'raw newlines or tabs inside JSON strings (the platform accepts them)')
        if not isinstance(data, dict):
            self.error('Parameter Input', 'must be empty or a JSON object')
        for key in sorted(set(repeated)):
            self.warning('Parameter Input', 'key {!r} appears twice; the node sees only the last'.format(key[:40]))

    def _message(self):
        node = self.node
        for column in ('Decision Variable', 'What Next?'):
            if node.cell(column):
                self.error(column, 'must be empty on a message node')
        if node.nlu_disabled and len(node.next_nodes) != 1:
            self.error('NLU Disabled?', 'a node with NLU disabled has exactly one child in Next Nodes')
        try:
            choices = flowfile.options(node)
        except ValueError as problem:
            self.error('Rich Asset Content', str(problem))
            return
        self._destinations('Rich Asset Content', [c.destination for c in choices], node.cell('Rich Asset Content'))
        if 'xfer_to_agent' in node.behaviors and node.next_nodes:
            self.warning('Next Nodes', 'a transfer to an agent has no next node')


def _object(pairs, repeated):
    keys = [key for key, _ in pairs]
    repeated.extend(key for key in set(keys) if keys.count(key) > 1)
    return dict(pairs)


def _class_exists(actions, name):
    path = os.path.join(actions, name + '.py')
    if not os.path.isfile(path):
        return False
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    return 'class {}('.format(name) in text or 'class {}:'.format(name) in text
