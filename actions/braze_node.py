# -*- coding: utf-8 -*-
"""The base of every node that calls Braze: ``Node`` (braze_base) plus this environment's settings,
one deadline for the whole call, and ``call.send``.

A node subclasses ``BrazeNode`` and writes ``run(call, payload, context)``: build the request from
the Parameter Input with its endpoint module's ``build`` (a ``Request``), ``call.send`` it, and turn
the answer into the dict the flow sees; ``self.failed(call, sent)`` is that dict for any failure.
Settings (only those the node's declaration names), the deadline, retries, the host check, masking
and the never-raise rule come from here and from ``Node``.
"""
import random
import time

from .. import app
from . import braze_declarations as declarations
from . import braze_settings
from . import braze_wire as wire
from .braze_base import Node
from .braze_call import Call
from .braze_retry import Deadline


class BrazeNode(Node):
    """The keyword arguments exist for tests; the platform calls ``NodeClass()``."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep, rand=random.random, wall=time.time,
                 transport=None):
        Node.__init__(self, clock=clock, wall=wall)
        self._sleep, self._rand = sleep, rand
        self._transport = transport

    def serve(self, say, payload, context):
        """The node's work, after the input is read: a call to Braze with this environment's settings."""
        settings = braze_settings.load(app, context, _settings_names(self.declaration))
        say.hide_key(settings.api_key)
        call = Call(settings, Deadline(settings.deadline, self._clock, self._sleep), say, self._rand,
                    self._wall, self._transport or wire.adapter(settings))
        return self.run(call, payload, context)

    def run(self, call, payload, context):
        raise NotImplementedError

    def failed(self, call, sent, doing=''):
        """The result of a request Braze did not take (``sent.verdict.reason`` set): the error and its
        outcome line, with what the node was ``doing`` (an endpoint, a step) when there are several."""
        message = '{}: {}'.format(doing, sent.verdict.message) if doing else sent.verdict.message
        return self.failure(call.say, sent.verdict.reason, message, sent_summary(sent, call.deadline))


def _settings_names(declaration, known={}):
    """The settings a node checks, as one frozenset per node (a node of a test or a solution, not
    declared: the transport's only). ``known`` remembers them: the same few nodes run on every call."""
    names = known.get(declaration.name)
    if names is None:
        names = known[declaration.name] = frozenset(
            declarations.settings_of(declaration) or declarations.TRANSPORT_SETTINGS)
    return names


def summary(status, attempts, deadline, **counts):
    """An outcome line's facts: Braze's status, the attempts, the time, and any counts a node adds."""
    pairs = [('status', '-' if status is None else status), ('attempts', attempts),
             ('elapsed_ms', deadline.elapsed_ms())] + list(counts.items())
    return ' '.join('{}={}'.format(name, value) for name, value in pairs)


def sent_summary(sent, deadline):
    return summary(sent.verdict.status, sent.attempts, deadline)
