# -*- coding: utf-8 -*-
"""Send a user's requests in order, retrying what is safe to retry, inside one deadline."""
from . import braze_outcome as outcome
from .braze_transport import TransportError, post


class Report(object):
    """What happened to all of one call's requests; becomes the node's result and summary line."""

    def __init__(self):
        self.reason = None        # first BRAZE_ERROR, None while everything succeeded
        self.detail = ''
        self.status = None
        self.attempts = 0
        self.sent = 0             # objects Braze answered for
        self.requests = 0
        self.rejected = []        # 'events[2]: <Braze's error type>'
        self.elapsed_ms = 0

    def fail(self, reason, detail, status=None):
        if self.reason is None or self.reason == 'rejected':
            self.reason, self.detail = reason, detail
        self.status = status if status is not None else self.status


def deliver(requests_to_send, settings, policy, session):
    """POST each request in turn; stop at the first failure that is not a partial rejection."""
    report = Report()
    for request in requests_to_send:
        verdict = _send(request, settings, policy, session, report)
        report.requests += 1
        if verdict.kind == 'ok':
            report.sent += request.objects
        elif verdict.kind == 'rejected':
            report.sent += request.objects
            report.rejected.extend(outcome.describe_errors(verdict.errors, request.labels))
            report.fail('rejected', verdict.message, verdict.status)
        else:
            report.fail(verdict.reason, verdict.message, verdict.status)
            break
    report.elapsed_ms = policy.elapsed_ms()
    return report


def _send(request, settings, policy, session, report):
    attempt = 0
    while True:
        if not policy.has_time():
            return outcome.Verdict('fatal', 'timeout', None, 'the deadline passed before Braze answered', None)
        attempt += 1
        report.attempts += 1
        try:
            status, headers, content = post(session, settings.url, settings.api_key, request.body,
                                            policy.timeouts(settings.connect_timeout, settings.read_timeout),
                                            settings.verify)
        except TransportError as error:
            verdict = outcome.Verdict('retry', error.reason, None, str(error), None)
            ambiguous, wait = error.ambiguous, policy.backoff(attempt)
        else:
            report.status = status
            verdict = outcome.classify(status, content)
            # A 5xx comes after Braze read the body: it may have been recorded.
            ambiguous = status >= 500
            wait = policy.rate_limit_wait(headers) if status == 429 else policy.backoff(attempt)
            if status == 429 and wait is None:
                wait = policy.backoff(attempt)
        if verdict.kind != 'retry':
            return verdict
        if ambiguous and not (request.replayable or settings.retry_non_idempotent):
            return verdict._replace(message=verdict.message + '; not resent, because events, purchases '
                                    'or inc would be counted twice if Braze had recorded it')
        if attempt >= policy.max_attempts:
            return verdict._replace(message='{} (after {} attempts)'.format(verdict.message, attempt))
        if not policy.fits(wait):
            return verdict._replace(message='{}; the wait of {:.1f} s does not fit in the deadline'.format(
                verdict.message, wait))
        policy.wait(wait)
