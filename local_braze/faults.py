# -*- coding: utf-8 -*-
"""Fault injection and rate limiting for the emulator's /users/track."""
import collections
import math
import re
import threading
import time

# kind: 'status' (answer with ``status``), 'delay' (wait ``seconds`` before answering),
# 'drop' (close the connection without an answer), 'garbage' (a non-JSON body with ``status``).
# processed: whether the request is applied to the store before the fault strikes, which is
# what makes a failure ambiguous for the client.
Fault = collections.namedtuple('Fault', 'kind status seconds processed')
_SPEC = re.compile(r'^(?P<kind>\d{3}|delay|drop|garbage)(?::(?P<arg>processed|\d+(?:\.\d+)?))?(?:x(?P<count>\d+))?$')


class Faults(object):
    """A queue: each track request takes the next fault, if any."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queue = collections.deque()

    def add(self, kind, count=1, status=500, seconds=0.0, processed=None):
        if kind not in ('status', 'delay', 'drop', 'garbage'):
            raise ValueError('unknown fault kind: {}'.format(kind))
        if processed is None:
            processed = kind == 'delay'
        with self._lock:
            self._queue.extend([Fault(kind, status, seconds, processed)] * count)

    def parse(self, spec):
        """Command-line form KIND[:ARG][xN]: 503, 503x2, 500:processed, delay:5, drop, garbage:200."""
        match = _SPEC.match(spec.strip())
        if not match:
            raise ValueError('fault must look like 503, 503x2, 500:processed, delay:5, drop or garbage:200')
        kind, arg, count = match.group('kind'), match.group('arg'), int(match.group('count') or 1)
        processed = True if arg == 'processed' else None
        if kind.isdigit():
            self.add('status', count, status=int(kind), processed=processed)
        elif kind == 'delay':
            self.add('delay', count, seconds=float(arg or 5))
        elif kind == 'garbage':
            self.add('garbage', count, status=int(arg or 200))
        else:
            self.add('drop', count, processed=processed)

    def next(self):
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def __len__(self):
        return len(self._queue)


class RateLimiter(object):
    """Fixed windows of ``limit`` requests per ``window`` seconds, with Braze's headers."""

    def __init__(self, limit=None, window=3.0, clock=time.time):
        self.limit, self.window, self._clock = limit, window, clock
        self._lock = threading.Lock()
        self._window_start, self._used = None, 0

    def check(self):
        """Return (allowed, headers)."""
        if not self.limit:
            return True, {}
        with self._lock:
            now = self._clock()
            if self._window_start is None or now >= self._window_start + self.window:
                self._window_start, self._used = now, 0
            reset = self._window_start + self.window
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            headers = {
                'X-RateLimit-Limit': str(self.limit),
                'X-RateLimit-Remaining': str(max(0, self.limit - self._used)),
                'X-RateLimit-Reset': str(int(math.ceil(reset))),
            }
            if not allowed:
                headers['X-Ratelimit-Retry-After'] = str(max(1, int(math.ceil(reset - now))))
            return allowed, headers
