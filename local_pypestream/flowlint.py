# -*- coding: utf-8 -*-
"""The compile rules Pypestream applies to a flow, checked before it is uploaded.

Each finding names the node and the column. Errors are what the platform refuses; warnings are
what a production flow got away with (upper-case route values, a value routed twice, raw newlines
inside Parameter Input strings, an action without an error route) and is worth a second look.
"""
import json
import os

from . import builtins, declared, flowfile, jsontext, scripts

ACTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'actions')
# Bot Manager's compile error for a {VAR} that no Variable column declares.
UNDECLARED = 'Referenced global variable does not exist'


def lint(flow, actions=ACTIONS):
    """-> [Problem], reading problems first, then each node in file order, then what cannot be
    reached. ``actions=None``: no solution to check Command classes against (one warning says so)."""
    found = list(flow.problems)
    if flow.nodes and not flow.has(1):
        found.append(flowfile.Problem('error', None, 'Node Number', 'there is no node 1 to start from'))
    if actions is None and flow.nodes:
        found.append(flowfile.Problem('warning', None, 'Command', 'Command classes not checked: no solution '
                                      '(app.py beside actions/) at or above the flow; pass --solution DIR'))
    declared, outputs = _declared(flow)
    scripts_read = {}
    for node in sorted(flow.nodes.values(), key=lambda n: n.line):
        problem = _Checker(node, flow, declared, outputs, actions, scripts_read)
        problem.check()
        found.extend(problem.found)
    found.extend(_unreachable(flow))
    return found


# Entered by the platform itself: the error handlers (an exception, a routing failure) and -585,
# entered at the end of a chat (the production bot's transcript handler).
HANDLERS = (-500, -585, 99990)


def _edges(node):
    """The node numbers a node can lead to: Next Nodes, What Next? routes, answer options."""
    found = [n for n in node.next_nodes if n is not None]
    for read in (lambda: [r.destination for r in flowfile.routes(node.cell('What Next?'))],
                 lambda: [c.destination for c in flowfile.options(node)]):
        try:
            found.extend(read())
        except ValueError:
            pass
    return found


def _entries(flow):
    """Where a chat can start: node 1, the platform's handlers, and every node an intent routes to."""
    return [1] + [n for n in HANDLERS if flow.has(n)] + [n.number for n in flow.nodes.values() if n.cell('Intent')]


def _reach(flow, starts, within=None):
    seen, pending = set(), list(starts)
    while pending:
        number = pending.pop()
        if number in seen or number not in flow.nodes or (within is not None and number not in within):
            continue
        seen.add(number)
        pending.extend(_edges(flow.nodes[number]))
    return seen


def _unreachable(flow):
    """One warning per way into what cannot be reached: a node no route leads to, or a loop nothing
    enters (a strongly connected group with no way in), with the number of nodes behind it."""
    lost = set(flow.nodes) - _reach(flow, _entries(flow))
    graph = {n: sorted(set(d for d in _edges(flow.nodes[n]) if d in lost)) for n in lost}
    group = _components(graph)
    entered = {group[d] for n in lost for d in graph[n] if group[d] != group[n]}
    members_of = _members(group)
    firsts = sorted(min(members) for key, members in members_of.items() if key not in entered)
    # One pass over what is lost, in file order: each node is counted behind the first way in that
    # reaches it (linear in the flow's size, however many ways in there are).
    firsts.sort(key=lambda n: flow.nodes[n].line)
    behind_of, seen = {}, set()
    for first in firsts:
        count, pending = 0, [first]
        while pending:
            number = pending.pop()
            if number not in seen:
                seen.add(number)
                count += 1
                pending.extend(graph[number])
        behind_of[first] = count
    found = []
    for first in firsts:
        members = sorted(members_of[group[first]])
        behind = behind_of[first]
        if len(members) == 1:
            message = 'no route leads here: this node{} cannot be reached'.format(
                ' and the {} after it'.format(behind - 1) if behind > 1 else '')
        else:
            message = 'nodes {} form a loop that nothing enters: {} node(s) cannot be reached'.format(
                ', '.join(str(n) for n in members[:8]) + (', ...' if len(members) > 8 else ''), behind)
        found.append((flow.nodes[first].line, flowfile.Problem('warning', first, 'Node Number', message)))
    return [problem for _, problem in sorted(found)]


def _components(graph):
    """Node -> id of its strongly connected component (Kosaraju, without recursion)."""
    order, seen = [], set()
    for start in sorted(graph):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(graph[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                order.append(node)
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(graph[child])))
    reverse = {n: [] for n in graph}
    for node, children in graph.items():
        for child in children:
            reverse[child].append(node)
    group = {}
    for start in reversed(order):
        if start in group:
            continue
        pending = [start]
        while pending:
            node = pending.pop()
            if node not in group:
                group[node] = start
                pending.extend(reverse[node])
    return group


def _members(group):
    found = {}
    for node, key in group.items():
        found.setdefault(key, []).append(node)
    return found


def _declared(flow):
    """(names declared: Variable columns, Node Inputs, platform variables; names an Output lists)."""
    names, outputs = set(flowfile.PLATFORM_VARIABLES), set()
    for node in flow.nodes.values():
        names.update(node.variables)
        outputs.update(node.outputs)
        names.update(part.split(':', 1)[0].strip() for part in node.cell('Node Input').split(',') if part.strip())
    return names, outputs


class _Checker(object):
    def __init__(self, node, flow, declared, outputs, actions, scripts_read):
        self.node, self.flow, self.declared, self.outputs, self.actions = node, flow, declared, outputs, actions
        self.scripts = scripts_read  # each script read once per lint, however many rows call it
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
                    where = ("only an action's Output names it, which declares nothing"
                             if name in self.outputs else 'no Variable column, Node Input or platform variable names it')
                    self.error(column, '{{{}}} is not declared ({}): Bot Manager refuses the flow with "{}"; list it '
                                       'in the Variable column of the node that sets it'.format(name, where, UNDECLARED))

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
        elif self.actions is not None and not builtins.is_builtin(command):
            problem = scripts.class_problem(self.actions, command, self.scripts)
            if problem:
                self.error('Command', problem)
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
        # Upper case is accepted (a production flow routes on US state codes); other characters are not
        # route values in any flow we know of.
        odd = sorted(value for value in set(values) if not flowfile.ROUTE_VALUE.match(value.lower()))
        if odd:  # one line per node, however many values
            self.warning('What Next?', '{} route value(s) not letters, digits and _: {}{}'.format(
                len(odd), ', '.join(repr(v) for v in odd[:5]), ', ...' if len(odd) > 5 else ''))
        braze = declared.nodes().get(command)
        if braze is not None and decision:
            self._braze_routes(braze, decision, values)
        for value in sorted(set(values)):
            if len({r.destination for r in routes if r.value == value}) > 1:
                self.warning('What Next?', 'route value {!r} has two destinations; the first wins'.format(value))
        self._parameter_input(node.cell('Parameter Input'))

    def _braze_routes(self, braze, decision, values):
        """A declared node's row against its declaration: the Decision Variable is one it routes on, every
        route value is one it can return, every value it can return has a route."""
        if decision not in braze.routes:
            self.error('Decision Variable', '{} does not route on {}: use {} (it sets {})'.format(
                braze.name, decision, ' or '.join(braze.routes), ', '.join(braze.sets)))
            return
        possible = braze.routes[decision]
        given = {value.lower() for value in values}
        if declared.module().ANY_WORD not in possible:
            never = sorted(given - set(possible))
            if never:
                self.error('What Next?', '{} never returns {} on {} (it returns {}): the route can never be '
                           'taken'.format(braze.name, ', '.join(never), decision, ', '.join(possible)))
        missing = [value for value in possible if value != declared.module().ANY_WORD and value not in given]
        if missing and values:
            them = 'it' if len(missing) == 1 else 'them'
            self.warning('What Next?', '{} can return {} on {} and no route takes {}: the chat would stop '
                         'there'.format(braze.name, ', '.join(missing), decision, them))

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
                self.error('Parameter Input', 'not JSON: {}'.format(jsontext.explain(text, problem)))
                return
            self.warning('Parameter Input', 'raw newlines or tabs inside JSON strings (the platform accepts them)')
        if not isinstance(data, dict):
            self.error('Parameter Input', 'must be empty or a JSON object')
            return
        for key in sorted(set(repeated)):
            self.warning('Parameter Input', 'key {!r} appears twice; the node sees only the last'.format(key[:40]))
        braze = declared.nodes().get(self.node.cell('Command'))
        for key in (data if braze is not None else ()):
            if key in braze.refused:
                self.error('Parameter Input', 'key {}: {} refuses it ({})'.format(key, braze.name, braze.refused[key]))
                continue
            why = declared.module().unknown_input(braze, key)
            if why:  # the node's own words: it drops the key and names it in BRAZE_DROPPED
                self.error('Parameter Input', 'key {}: {} (the node leaves it out)'.format(key[:40], why))

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



