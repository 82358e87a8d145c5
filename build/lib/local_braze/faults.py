# -*- coding: utf-8 -*-
"""Fault injection and rate limiting for the emulator's Braze endpoints."""
import collections
import math
import re
import threading
import time

# kind: 'status' (answer with ``status``), 'delay' (wait ``seconds`` before answering), 'drop'
# (close the connection without an answer), 'garbage' (a non-JSON body with ``status``).
# processed: whether the request is applied before the fault strikes, which is what makes a
# failure ambiguous for the client.
Fault = collections.namedtuple('Fault', 'kind status seconds processed')
_SPEC = re.compile(r'^(?P<kind>\d{3}|delay|drop|garbage)(?::(?P<arg>processed|\d{1,5}(?:\.\d{1,3})?))?'
                   r'(?:x(?P<count>\d{1,9}))?$')
# Braze documents 502 as a failure before its servers: a 502 never stores anything.
NEVER_PROCESSED = (502,)
MAX_QUEUED = 100000  # faults waiting at once (ours): a spec of 503x500000000 is refused, not allocated


class Faults(object):
    """A queue: each request to a Braze endpoint takes the next fault, if any."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queue = collections.deque()

    def add(self, kind, count=1, status=500, seconds=0.0, processed=None):
        if kind not in ('status', 'delay', 'drop', 'garbage'):
            raise ValueError('unknown fault kind: {}'.format(kind))
        if processed is None:
            processed = kind == 'delay' or (kind == 'status' and 200 <= status < 300)
        if processed and kind == 'status' and status in NEVER_PROCESSED:
            raise ValueError('a 502 stores nothing (Braze: it fails before its servers)')
        if not 1 <= count <= MAX_QUEUED:
            raise ValueError('a fault is repeated 1 to {} times'.format(MAX_QUEUED))
        with self._lock:
            if len(self._queue) + count > MAX_QUEUED:
                raise ValueError('at most {} faults may wait at once'.format(MAX_QUEUED))
            self._queue.extend([Fault(kind, status, seconds, processed)] * count)

    def parse(self, spec):
        """Command-line form KIND[:ARG][xN]: 503, 503x2, 503:processed, 202, delay:5, drop, garbage:200."""
        match = _SPEC.match(spec.strip()) if isinstance(spec, str) else None
        if not match:
            raise ValueError('fault must look like 503, 503x2, 503:processed, delay:5, drop or garbage:200')
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


# Braze's documented limits (https://www.braze.com/docs/api/api_limits/) by endpoint group:
# (requests, seconds). Sends with recipients: 250,000 an hour (Braze's page; its 250 a minute for
# broadcast and audience sends is not modelled: the nodes never broadcast).
DEFAULT_LIMITS = {
    'track': (3000, 3.0),          # /users/track: 3,000 per 3 seconds
    'export': (40, 1.0),           # /users/export/ids with fields_to_export: 40 per second
    'export_slow': (250, 60.0),    # ... asking for campaigns_received / canvases_received: 250 per minute
    'identity': (20000, 60.0),     # identify, alias/new and merge share 20,000 per minute
    'messaging': (250000, 3600.0),
}


class RateLimiter(object):
    """Fixed windows per endpoint group, with Braze's headers on every answer."""

    def __init__(self, limit=None, window=3.0, clock=time.time, retry_after_header=False):
        self.limit, self.window = limit, window  # a lower limit for every group (tests, demos)
        self.retry_after_header = retry_after_header
        self._clock = clock
        self._lock = threading.Lock()
        self._windows = {}

    def check(self, group, consume=True):
        """(allowed, headers) for one request to ``group``."""
        limit, window = (self.limit, self.window) if self.limit else DEFAULT_LIMITS[group]
        with self._lock:
            now = self._clock()
            start, used = self._windows.get(group, (None, 0))
            if start is None or now >= start + window:
                start, used = now, 0
            allowed = used < limit
            if allowed and consume:
                used += 1
            self._windows[group] = (start, used)
            reset = start + window
            headers = {
                'X-RateLimit-Limit': str(limit),
                'X-RateLimit-Remaining': str(max(0, limit - used)),
                'X-RateLimit-Reset': str(int(math.ceil(reset))),
            }
            if not allowed and self.retry_after_header:  # seen from Braze, not documented: off by default
                headers['X-Ratelimit-Retry-After'] = str(max(1, int(math.ceil(reset - now))))
            return allowed, headers
