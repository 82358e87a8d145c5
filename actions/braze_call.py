# -*- coding: utf-8 -*-
"""One node call: its settings, deadline and log, and ``send``, the attempt loop every node uses."""
import collections
import datetime

from . import braze_wire as wire
from .braze_answers import classify, unanswered, verdict
from .braze_retry import DONE, backoff, decide, rate_limit_wait
from .braze_variables import Budget

# What became of one request: Braze's verdict, and how many attempts it took.
Sent = collections.namedtuple('Sent', 'verdict attempts')


class Call(object):
    def __init__(self, settings, deadline, say, rand, wall, transport):
        self.settings = settings
        self.deadline = deadline
        self.say = say
        self._rand = rand
        self._wall = wall
        self._transport = transport
        self._budget = None

    def now(self):
        return datetime.datetime.fromtimestamp(self._wall(), datetime.timezone.utc)

    def budget(self):
        """The input-building budget: it may use half the deadline, the rest is for sending."""
        reserve = self.settings.deadline / 2
        self._budget = Budget(lambda: self.deadline.remaining() - reserve)
        return self._budget

    def send(self, request):
        """POST a ``Request`` (braze_input) to its endpoint, retrying what is safe to retry inside the
        deadline -> ``Sent``. The request's personal values are masked in every line from here on,
        so no node can forget to; ``request.replayable`` says whether it may be sent again when
        Braze may already have recorded it (attribute sets and lookups may; events and messages may not).
        """
        self.say.hide_personal(request.personal)
        unset, self._budget = (self._budget.unset if self._budget is not None else []), None
        if unset:  # a {VAR} the flow never set: its field was left out, said once, before anything is sent
            self.say('not set, so left out: {} (set them in the flow before this node, or leave them out of the '
                     'Parameter Input)'.format(', '.join(unset)))
        settings, deadline = self.settings, self.deadline
        url = settings.url(request.endpoint.path, wire.agrees)
        body, permission = request.body, request.endpoint.permission
        resend_ambiguous = request.replayable
        attempt = 0
        while True:
            if not deadline.has_time():
                return Sent(verdict(DONE, 'timeout', None, 'the deadline passed before Braze answered'), attempt)
            attempt += 1
            try:
                answer = wire.post(self._transport, url, settings.api_key, body,
                                   deadline.timeouts(settings.connect_timeout, settings.read_timeout),
                                   wire.monotonic_deadline(deadline.remaining()))
            except wire.WireError as failure:
                result = unanswered(failure)
                wait = backoff(attempt, self._rand)
            else:
                result = classify(answer.status, answer.body, permission)
                if answer.note:
                    result = result._replace(message='{}; {}'.format(result.message, answer.note))
                wait = rate_limit_wait(answer.headers, self._wall()) if answer.status == 429 else None
                if wait is None:
                    wait = backoff(attempt, self._rand)
            decision = decide(result.ending, attempt, settings.max_attempts, resend_ambiguous,
                              deadline.remaining(), wait)
            if not decision.retry:
                if decision.why:
                    result = result._replace(message='{}; {}'.format(result.message, decision.why))
                return Sent(result, attempt)
            deadline.wait(decision.wait)
