# -*- coding: utf-8 -*-
"""What every node shares, whether or not it calls Braze: ``execute`` as the platform calls it, its
declaration, and the result conventions. No HTTP here (braze_node adds the call to Braze).

A node that calls no endpoint subclasses ``Node`` and writes ``serve(say, payload, context)``;
``execute`` does the rest, the same way for every node:
- the node's declaration (braze_declarations) by its class name: the globals it sets are in every
  result, ``""`` where it has no value, so nothing stale from an earlier call survives;
- ``success`` first and only strings in the result, the API key masked in every value;
- never raises: bad settings are ``config``, unusable input ``invalid_input``, a bug ``internal``.
"""
import time

from . import braze_declarations as declarations
from . import braze_settings
from .braze_input import UnusableInput, payload_dict
from .braze_safelog import SafeLog, clip

# Parameter Input keys already judged acceptable, per node (bounded): most calls send the same few.
_ACCEPTED = {}
_DECLARED = {}  # node class -> its declaration (by its name, as the platform names the file)
# A node of a test or of a solution that is not declared: it sets nothing beyond its result.
UNDECLARED = declarations.Node('', (), {}, {}, (), (), None, {'success': ()}, ())


class Node(object):
    """The keyword arguments exist for tests; the platform calls ``NodeClass()``."""

    def __init__(self, clock=time.monotonic, wall=time.time, **options):
        self._clock, self._wall = clock, wall

    @property
    def declaration(self):
        found = _DECLARED.get(type(self))
        if found is None:
            found = _DECLARED[type(self)] = declarations.NODES.get(type(self).__name__, UNDECLARED)
        return found

    def serve(self, say, payload, context):
        raise NotImplementedError

    def blanks(self, payload):
        """The globals every result holds ("" unless the node gave a value): the declared ones, and
        those the Parameter Input names where the declaration says so (the lookup's ``globals``)."""
        declared = self.declaration
        if not declared.mapped:
            return declared.sets
        named = self.named_globals(payload.get(declared.mapped))
        return named + [name for name in declared.sets if name not in named]

    def named_globals(self, mapping):
        return []

    def execute(self, log, payload=None, context=None):
        say = SafeLog(log, type(self).__name__)
        started = self._clock()
        blanks = None
        unknown = []
        try:
            payload = payload_dict(payload)
            context = context if isinstance(context, dict) else {}
            blanks = self.blanks(payload)
            payload, unknown = self._known(say, payload)
            if unknown and not payload:
                raise UnusableInput('nothing left to use: every key of the Parameter Input was dropped ({})'.format(
                    ', '.join(key for key, _ in unknown)[:200]))
            result = self.serve(say, payload, context)
        except braze_settings.SettingsError as problem:
            result = self.failure(say, 'config', 'configuration problem: {}'.format(problem))
        except UnusableInput as problem:
            result = self.failure(say, 'invalid_input', 'nothing sent: {}'.format(problem))
        except Exception as problem:  # the platform must never see an exception from a node
            result = self.failure(say, 'internal', 'unexpected {}'.format(type(problem).__name__),
                                  'elapsed_ms={}'.format(int((self._clock() - started) * 1000)))
        if blanks is None:  # the Parameter Input could not be read: what a call without one sets
            blanks = self.blanks({})
        if unknown:
            given = result.get('BRAZE_DROPPED')
            result['BRAZE_DROPPED'] = ','.join([say.mask(key) for key, _ in unknown] + ([given] if given else []))
        return _strings(result, blanks, say)

    def _known(self, say, payload):
        """The Parameter Input without the keys this node does not take, and those keys with why: each
        is named in a line and in BRAZE_DROPPED, never ignored in silence; what is valid is still used."""
        declared = self.declaration
        if not declared.name:
            return payload, []
        accepted = _ACCEPTED.get(declared.name)
        if accepted is None:
            accepted = _ACCEPTED[declared.name] = set()
        elif accepted.issuperset(payload):  # the keys a flow's rows send again on every call
            return payload, []
        unknown = [(key, declarations.unknown_input(declared, key)) for key in payload if isinstance(key, str)]
        if len(accepted) < 256:
            accepted.update(key for key, why in unknown if why is None)
        unknown = [(key, why) for key, why in unknown if why is not None]
        if not unknown:
            return payload, []
        say.each('dropped inputs', unknown, lambda item: 'dropped {}: {}'.format(*item))
        dropped = dict(unknown)
        return {key: value for key, value in payload.items() if key not in dropped}, unknown

    def failure(self, say, reason, detail, facts=''):
        """An error result (route globals say ``error`` too) and the outcome line that explains it."""
        result = failure(say, reason, detail, facts)
        for route in self.declaration.routes:
            result.setdefault(route, 'error')
        return result


def failure(say, reason, detail, facts):
    """An error result with its reason, and the outcome line that explains it (``facts``: summary(), or '')."""
    say.outcome('error reason={}{}'.format(reason, ' ' + facts if facts else ''), detail)
    return {'success': 'error', 'BRAZE_ERROR': reason}


def named(say, entries):
    """Refused or dropped inputs for a result: every one named, masked, each message clipped."""
    return '; '.join('{}: {}'.format(say.mask(label), clip(say.mask(reason), 160)) for label, reason in entries)


def _strings(result, blanks, say):
    """``success`` first, then every global the node sets (``""`` where it gave none), then the rest;
    only strings; the key masked wherever it might appear."""
    ordered = {'success': str(result.get('success', 'error'))}
    ordered.update(dict.fromkeys(blanks, ''))
    for key, value in result.items():
        if key != 'success':
            ordered[str(key)] = say.mask_key(value if isinstance(value, str) else str(value))
    return ordered
