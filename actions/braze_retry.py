# -*- coding: utf-8 -*-
"""When to try a Braze request again, and how long to wait, inside one overall deadline.

urllib3's ``Retry`` knows backoff and ``Retry-After`` but not a deadline shared by all
attempts, Braze's ``X-Ratelimit-Retry-After`` and ``X-RateLimit-Reset`` headers, or that a
request carrying events must not be resent after an ambiguous failure; this small policy
adds those and borrows urllib3's ``Retry-After`` parser. Clock, sleeper and random source are
injected so tests never sleep.
"""
import math
import random
import time

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

# A value of X-RateLimit-Reset above this is a Unix time, below it a number of seconds:
# Braze documents both forms.
EPOCH_THRESHOLD = 1e9


class RetryPolicy(object):
    # The first retry waits about 0.25 s: long enough for a Braze blip to pass, short enough
    # that a person in the chat does not notice. Later waits double, up to BACKOFF_MAX.
    BACKOFF_BASE = 0.25
    BACKOFF_MAX = 2.0
    # Do not start an attempt with less time than this left: it could only time out.
    MIN_ATTEMPT = 0.05

    def __init__(self, deadline, max_attempts, clock=time.monotonic, sleep=time.sleep,
                 rand=random.random, wall=time.time):
        self.max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._wall = wall
        self._started = clock()
        self._ends = self._started + deadline

    def remaining(self):
        return self._ends - self._clock()

    def elapsed_ms(self):
        return int(round((self._clock() - self._started) * 1000))

    def has_time(self):
        return self.remaining() >= self.MIN_ATTEMPT

    def timeouts(self, connect, read):
        """(connect, read) timeouts for the next attempt, cut to the time left."""
        left = max(self.remaining(), self.MIN_ATTEMPT)
        return min(connect, left), min(read, left)

    def backoff(self, attempt):
        """Exponential backoff with jitter, so many chats retrying at once do not align."""
        ceiling = min(self.BACKOFF_MAX, self.BACKOFF_BASE * (2 ** (attempt - 1)))
        return ceiling / 2 + self._rand() * ceiling / 2

    def fits(self, wait):
        """Can we wait this long and still make one more useful attempt before the deadline?"""
        return wait is not None and wait + self.MIN_ATTEMPT <= self.remaining()

    def wait(self, seconds):
        if seconds > 0:
            self._sleep(seconds)

    def rate_limit_wait(self, headers):
        """Seconds Braze asks us to wait after a 429, or None when it does not say."""
        return rate_limit_wait(headers, self._wall())


def rate_limit_wait(headers, now):
    braze = _seconds(headers.get('X-Ratelimit-Retry-After'))
    if braze is not None:
        return braze
    standard = headers.get('Retry-After')
    if standard:
        try:
            # Seconds or an HTTP date; urllib3 handles both (and the -0000 offset trap).
            return max(0.0, float(Retry().parse_retry_after(standard.strip())))
        except (InvalidHeader, ValueError, TypeError, OverflowError):
            pass
    reset = _seconds(headers.get('X-RateLimit-Reset'))
    if reset is not None:
        return max(0.0, reset - now) if reset > EPOCH_THRESHOLD else reset
    return None


def _seconds(value):
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return max(0.0, number) if value is not None and math.isfinite(number) else None
