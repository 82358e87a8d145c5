# -*- coding: utf-8 -*-
"""The deadline of one call, and the retry decision as one pure function.

urllib3's ``Retry`` knows backoff and ``Retry-After`` but not a deadline shared by all attempts,
Braze's ``X-RateLimit-Reset``, or that a request carrying events must not be resent after an
ambiguous failure; ``decide`` adds those and borrows urllib3's ``Retry-After`` parser. The clock,
the sleeper and the random source are injected, so tests never sleep.
"""
import collections
import math

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

# A value of X-RateLimit-Reset at or above this is a Unix time, below it (our reading) a number of seconds.
EPOCH_THRESHOLD = 1e9
# The first retry waits about 0.25 s: long enough for a Braze blip to pass, short enough that a
# person in the chat does not notice. Later waits double, up to BACKOFF_MAX.
BACKOFF_BASE = 0.25
BACKOFF_MAX = 2.0
# Do not start an attempt with less time than this left: it could only time out.
MIN_ATTEMPT = 0.05

# How an attempt ended, as far as retrying goes:
DONE = 'done'             # an answer to keep (success, or a refusal a retry cannot change)
NOT_SENT = 'not_sent'     # Braze did not process it: a refused or timed-out connect, a 429 (it reached
                          # Braze, which refused it unprocessed), a 502 (failed before Braze's servers)
AMBIGUOUS = 'ambiguous'   # Braze may have processed it: read timeout, dropped answer, 5xx

Decision = collections.namedtuple('Decision', 'retry wait why')


def decide(ending, attempt, max_attempts, resend_ambiguous, remaining, wait):
    """Retry or stop, after ``attempt`` attempts ended as ``ending`` with ``remaining`` seconds left.

    ``wait`` is what Braze asked for (429) or the backoff; ``resend_ambiguous`` says whether the
    request may be sent again when Braze may already have recorded it.
    """
    if ending == DONE:
        return Decision(False, 0.0, '')
    if ending == AMBIGUOUS and not resend_ambiguous:
        return Decision(False, 0.0, 'not resent: Braze may have recorded it, and a second copy would count twice')
    if attempt >= max_attempts:
        return Decision(False, 0.0, 'after {} attempts'.format(attempt))
    if wait + MIN_ATTEMPT > remaining:
        return Decision(False, 0.0, 'the wait of {:.1f} s does not fit in the deadline'.format(wait))
    return Decision(True, wait, '')


def backoff(attempt, rand):
    """Exponential backoff with equal jitter, so chats retrying together spread out."""
    ceiling = min(BACKOFF_MAX, BACKOFF_BASE * (2 ** (attempt - 1)))
    return ceiling / 2 + rand() * ceiling / 2


class Deadline(object):
    """One deadline for a whole call: building, every attempt, and every wait."""

    def __init__(self, seconds, clock, sleep):
        self._clock = clock
        self._sleep = sleep
        self._started = clock()
        self._ends = self._started + seconds

    def remaining(self):
        return self._ends - self._clock()

    def elapsed_ms(self):
        return int(round((self._clock() - self._started) * 1000))

    def has_time(self):
        return self.remaining() >= MIN_ATTEMPT

    def timeouts(self, connect, read):
        """(connect, read) timeouts for the next attempt, cut to the time left."""
        left = max(self.remaining(), MIN_ATTEMPT)
        return min(connect, left), min(read, left)

    def wait(self, seconds):
        if seconds > 0:
            self._sleep(seconds)


def rate_limit_wait(headers, now):
    """Seconds Braze asks for after a 429, or None when it does not say.

    Braze documents X-RateLimit-Reset, a Unix time (reading a small value as seconds is ours); a
    standard Retry-After is honoured first when present, and X-Ratelimit-Retry-After (seen from
    Braze, not documented) after it.
    """
    standard = headers.get('Retry-After')
    if standard:
        try:
            # Seconds or an HTTP date; urllib3 handles both (and the -0000 offset trap).
            return max(0.0, float(Retry().parse_retry_after(standard.strip())))
        except (InvalidHeader, ValueError, TypeError, OverflowError):
            pass
    observed = _seconds(headers.get('X-Ratelimit-Retry-After'))
    if observed is not None:
        return observed
    reset = _seconds(headers.get('X-RateLimit-Reset'))
    if reset is not None:
        return max(0.0, reset - now) if reset >= EPOCH_THRESHOLD else reset
    return None


def _seconds(value):
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return max(0.0, number) if value is not None and math.isfinite(number) else None
