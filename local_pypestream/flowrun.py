# -*- coding: utf-8 -*-
"""Walk a flow from node 1, as the platform does: action nodes call the solution's real classes,
message nodes talk, answers come from a list of turns (or the keyboard)."""
import json
import re

from . import builtins, flowfile
from .text import printable
from .runtime import NotLoaded, run_node

MAX_STEPS = 500
ERROR_HANDLER, GENERIC_ERROR = -500, 99990
END_CHAT = -585  # the End-Chat Handler: the platform enters it once when a chat ends, whatever the path
UNSET = 'None'  # how the platform hands an unset global to a node or a message
_PERSONAL_NAME = re.compile(r'NAME|EMAIL|PHONE|DOB|BIRTH|CITY|ADDR|POSTAL|ZIP|STREET|EXTERNAL_ID|PASSTHROUGH')
_QUERY = re.compile(r'\?[^#\s]*')  # a page URL's query may carry an identifier (a signed link does)
_EMAIL = re.compile(r'[^\s@]+@[^\s@]+')
_PHONE = re.compile(r'^\+?[\d\s().-]{7,}$')
# A Parameter Input value that is one reference and nothing else, as the nodes read it.
WHOLE_REFERENCE = re.compile(r'^\s*\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*$')


class Run(object):
    """One conversation through the flow; ``report()`` is what ``--json`` prints."""

    def __init__(self, flow, context, turns, echo=None, max_steps=MAX_STEPS):
        self.flow = flow
        self.context = context
        self.turns = turns            # an iterator of user answers; exhausted: the run waits
        self.echo = echo or (lambda kind, text: None)
        self.max_steps = max_steps
        self.globals = platform_globals(context)
        self.path, self.transcript, self.routes = [], [], []
        self.ended, self.error = None, None
        self.closed = False     # the user ended the chat (a turn {"end_chat": true})
        self.handler = None     # what the End-Chat Handler did, once it ran
        self.unloadable = []    # (node, command, why) for each script that could not be loaded

    def walk(self, start=1):
        """Walk until the conversation ends, waits, or fails; returns this Run."""
        current = start
        for _ in range(self.max_steps):
            node = self.flow.nodes.get(current)
            if node is None:
                self._end('error', 'node {} does not exist'.format(current))
                return self
            self.path.append(current)
            step = self._action if node.kind == 'A' else self._message
            current = step(node)
            if current is None:
                return self
        self._end('error', 'the step budget of {} nodes ran out (a loop?)'.format(self.max_steps))
        return self

    def finish(self):
        """The chat ends: the platform runs the End-Chat Handler (-585) once, with the globals the chat
        set, whatever path it took; nobody answers any more. The conversation's own ending stays."""
        if self.handler is not None or not self.flow.has(END_CHAT):
            return self
        self._say('note', 'the chat ended: the End-Chat Handler (node {}) runs'.format(END_CHAT))
        conversation, start = (self.ended, self.error), len(self.path)
        self.turns = iter(())
        self.walk(END_CHAT)
        self.handler = {'path': self.path[start:], 'ended': self.ended, 'error': self.error}
        self.ended, self.error = conversation
        return self

    # --- action nodes ------------------------------------------------------------------------
    def _action(self, node):
        try:
            payload = self._parameter_input(node)
            command = node.cell('Command')
            if builtins.is_builtin(command):
                result = builtins.run(command, payload, self.context)
            else:
                result = run_node(command, payload, dict(self.context), lambda line: self._say('log', line))
            if not isinstance(result, dict):
                raise TypeError('the node returned {} instead of a dict'.format(type(result).__name__))
        except Exception as error:  # the platform sends any exception to its error handler
            if isinstance(error, NotLoaded):
                self.unloadable.append((node.number, node.cell('Command'), str(error)))
            self._say('log', 'node {} raised {}: {}'.format(node.number, type(error).__name__, error))
            for handler in (ERROR_HANDLER, GENERIC_ERROR):
                if self.flow.has(handler) and handler != node.number:
                    self.routes.append((node.number, 'exception', handler))
                    return handler
            return self._end('error', 'node {} raised {} and the flow has no error handler'.format(
                node.number, type(error).__name__))
        for key, value in result.items():
            self.globals[str(key)] = value if isinstance(value, str) else json.dumps(value)
        decision = node.cell('Decision Variable')
        value = self.globals.get(decision, UNSET)
        destination = route(flowfile.routes(node.cell('What Next?')), value)
        if destination is None:
            return self._end('error', 'node {}: {}={!r} has no route in What Next?'.format(
                node.number, decision, value))
        self.routes.append((node.number, '{}={}'.format(decision, value), destination))
        return destination

    def _parameter_input(self, node):
        text = node.cell('Parameter Input')
        payload = flowfile.lenient_json(text) if text else {}
        if not isinstance(payload, dict):
            raise ValueError('the Parameter Input is not a JSON object')
        payload = self._interpolate(payload)
        for name in node.variables:  # the globals the node declares reach it by name
            payload.setdefault(name, self.globals.get(name, UNSET))
        return payload

    def _interpolate(self, value):
        """References substituted, one level. A result that is itself a whole ``"{VAR}"`` came from a
        global's value (a user who typed ``{CRM_TOKEN}``): the node would read it as a reference a
        second time, so it is handed over unset (the nodes treat a ``{...}`` value as missing anyway)."""
        if isinstance(value, str):
            text = self.text(value)
            return UNSET if text != value and WHOLE_REFERENCE.match(text) else text
        if isinstance(value, dict):
            return {key: self._interpolate(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._interpolate(item) for item in value]
        return value

    def text(self, template, shown=str):
        """``template`` with its references substituted; ``shown`` turns each value into what is printed."""
        return flowfile.REFERENCE.sub(lambda m: shown(self.globals.get(m.group(1), UNSET)), template)

    # --- message nodes -------------------------------------------------------------------------
    def _message(self, node):
        message = self.text(node.cell('Message'))
        try:
            choices = flowfile.options(node)
        except ValueError as problem:
            return self._end('error', 'node {}: Rich Asset Content: {}'.format(node.number, problem))
        shown = message + ('\n' + ' '.join('[{}]'.format(flowfile.shown_label(c.label)) for c in choices)
                           if choices else '')
        if shown.strip():
            # Printed with each global's value escaped whole: only the author's own line breaks stay.
            self._say('bot', shown, self.text(node.cell('Message'), printable) + shown[len(message):])
        if 'xfer_to_agent' in node.behaviors:
            return self._end('transfer')
        if not (node.answer_required or choices):
            return node.next_nodes[0] if node.next_nodes else self._end('end')
        while True:
            answer = next(self.turns, None)
            if answer is None:
                return self._end('waiting')
            if isinstance(answer, dict) and answer.get('end_chat') is True:
                self.closed = True
                return self._end('closed')
            answer = answer if isinstance(answer, str) else json.dumps(answer)
            self._say('user', answer)
            chosen = next((c for c in choices if flowfile.label_key(c.label) == flowfile.label_key(answer)), None)
            if chosen is not None:
                self._store(node, flowfile.shown_label(chosen.label))
                self.routes.append((node.number, 'chose ' + flowfile.shown_label(chosen.label), chosen.destination))
                return chosen.destination
            if 'disable_input' in node.behaviors or not node.next_nodes:
                self._say('note', 'typing is not accepted here: choose one of the options')
                continue
            self._store(node, answer)
            self.routes.append((node.number, 'typed', node.next_nodes[0]))
            return node.next_nodes[0]

    def _store(self, node, answer):
        for name in node.variables[:1]:
            self.globals[name] = answer

    # --- the record ------------------------------------------------------------------------------
    def _say(self, who, text, printed=None):
        """Record ``text`` as it happened; echo ``printed`` (the bot's lines) or ``text`` escaped whole."""
        self.transcript.append({'who': who, 'text': text})
        self.echo(who, printed if printed is not None else printable(text))

    def _end(self, how, error=None):
        self.ended, self.error = how, error
        return None

    def report(self):
        return {'ended': self.ended, 'path': self.path, 'globals': masked(self.globals),
                'transcript': self.transcript, 'error': self.error,
                'routes': [{'node': n, 'taken': why, 'to': to} for n, why, to in self.routes],
                'end_chat': self.handler}


def route(routes, value):
    """The destination of ``value``: an exact match first, else one that differs only in case
    (Pypestream accepts upper-case route values); the first pair of a repeated value wins."""
    for exact in (True, False):
        for candidate in routes:
            if candidate.value == value if exact else candidate.value.lower() == str(value).lower():
                return candidate.destination
    return None


def platform_globals(context):
    user_data = context.get('user_data') or {}
    found = {'ENV': context.get('env', 'sandbox'), 'CHAT_ID': context.get('chat_id', ''),
             'SESSION_ID': context.get('chat_id', ''), 'PLATFORM': user_data.get('platform', ''),
             'DEVICE_TYPE': user_data.get('device_type', ''), 'BROWSER_LANGUAGE': user_data.get('browser_language', ''),
             'LAST_VIEWED_URL': user_data.get('last_viewed_url', ''), 'PASSTHROUGH': user_data.get('passthrough', '')}
    found.update((k, str(v)) for k, v in context.items() if flowfile.GLOBAL_NAME.match(str(k)))
    return found


def masked(values):
    """The final globals as the nodes' logs would show them: personal-looking names, emails and
    phone numbers masked (the transcript, as it happened, is the author's to read)."""
    shown = {}
    for name, value in values.items():
        text = str(value)
        if text and text != UNSET and _PERSONAL_NAME.search(name):
            text = '<personal>'
        elif name.endswith('URL'):
            text = _QUERY.sub('?<query>', text)
        text = '<phone>' if _PHONE.match(text) else _EMAIL.sub('<email>', text)
        shown[name] = text
    return shown
