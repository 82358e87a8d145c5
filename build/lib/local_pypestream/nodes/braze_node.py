# -*- coding: utf-8 -*-
"""What every Braze node shares: ``execute`` as the platform calls it, and the result conventions.

A node subclasses ``BrazeNode`` and writes ``run(call, payload, context)``: build the request from
the Parameter Input, ``call.send`` it, and turn the answer into the dict the flow sees (a node that
calls no endpoint writes ``serve(say, payload, context)`` instead). ``execute`` does the rest, the
same way for every node:
- settings from ``app.PARAMS[context['env']]`` (braze_settings), one deadline for the whole call;
- ``success`` first and only strings in the result, the API key masked in every value;
- never raises: bad settings are ``config``, unusable input ``invalid_input``, a bug ``internal``.
"""
import random
import time

from .. import app
from . import braze_settings
from . import braze_wire as wire
from .braze_call import Call
from .braze_input import UnusableInput, payload_dict
from .braze_retry import Deadline
from .braze_safelog import SafeLog, clip


class BrazeNode(object):
    """The keyword arguments exist for tests; the platform calls ``NodeClass()``."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep, rand=random.random, wall=time.time,
                 transport=None):
        self._clock, self._sleep, self._rand, self._wall = clock, sleep, rand, wall
        self._transport = transport

    def serve(self, say, payload, context):
        """The node's work, after the input is read: a call to Braze with this environment's settings."""
        settings = braze_settings.load(app, context)
        say.hide_key(settings.api_key)
        call = Call(settings, Deadline(settings.deadline, self._clock, self._sleep), say, self._rand,
                    self._wall, self._transport or wire.adapter(settings))
        return self.run(call, payload, context)

    def run(self, call, payload, context):
        raise NotImplementedError

    def blanks(self, payload):
        """Globals every non-success result sets to "" so nothing stale survives (none by default)."""
        return {}

    def execute(self, log, payload=None, context=None):
        say = SafeLog(log, type(self).__name__)
        started = self._clock()
        blanks = {}
        try:
            payload = payload_dict(payload)
            context = context if isinstance(context, dict) else {}
            blanks = self.blanks(payload)
            result = self.serve(say, payload, context)
        except braze_settings.SettingsError as problem:
            result = failure(say, 'config', 'configuration problem: {}'.format(problem))
        except UnusableInput as problem:
            result = failure(say, 'invalid_input', 'nothing sent: {}'.format(problem))
        except Exception as problem:  # the platform must never see an exception from a node
            result = failure(say, 'internal', 'unexpected {}'.format(type(problem).__name__),
                             'elapsed_ms={}'.format(int((self._clock() - started) * 1000)))
        return _strings(result, blanks, say)


def failure(say, reason, detail, facts=''):
    """An error result with its reason, and the outcome line that explains it (``facts``: summary())."""
    say.outcome('error reason={}{}'.format(reason, ' ' + facts if facts else ''), detail)
    return {'success': 'error', 'BRAZE_ERROR': reason}


def summary(status, attempts, deadline, **counts):
    """An outcome line's facts: Braze's status, the attempts, the time, and any counts a node adds."""
    pairs = [('status', '-' if status is None else status), ('attempts', attempts),
             ('elapsed_ms', deadline.elapsed_ms())] + list(counts.items())
    return ' '.join('{}={}'.format(name, value) for name, value in pairs)


def sent_summary(sent, deadline):
    return summary(sent.verdict.status, sent.attempts, deadline)


def named(say, entries):
    """Refused or dropped inputs for a result: every one named, masked, each message clipped."""
    return '; '.join('{}: {}'.format(say.mask(label), clip(say.mask(reason), 160)) for label, reason in entries)


def _strings(result, blanks, say):
    """``success`` first, then the rest; only strings; the key masked wherever it might appear."""
    ordered = {'success': str(result.get('success', 'error'))}
    if ordered['success'] != 'true':
        ordered.update((key, '') for key in blanks)
    for key, value in result.items():
        if key != 'success':
            ordered[str(key)] = say.mask_key(value if isinstance(value, str) else str(value))
    return ordered
