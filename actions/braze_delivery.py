# -*- coding: utf-8 -*-
"""/users/track batches (braze_batches) -> Braze, in order, and one report of what became of them."""
import collections

from .braze_answers import refused_inputs


# What became of all of one call's requests; built once, by ``deliver``.
Report = collections.namedtuple('Report', 'reason message status attempts objects requests refused')


def deliver(call, requests_and_batches):
    """POST each request in order; stop at the first failure that is not a partial refusal."""
    reason = message = status = None
    attempts = objects = requests = 0
    refused = collections.OrderedDict()
    for request, batch in requests_and_batches:
        sent = call.send(request)
        verdict = sent.verdict
        attempts += sent.attempts
        requests += 1
        status = verdict.status if verdict.status is not None else status
        if verdict.errors:  # a partial refusal (201) or a refusal of every object (400) alike
            for label, why in refused_inputs(verdict.errors, batch.labels).items():
                refused.setdefault(label, why)
        if verdict.reason in (None, 'rejected'):
            objects += batch.objects
        if verdict.reason is not None and reason in (None, 'rejected'):
            reason, message = verdict.reason, verdict.message
        if verdict.reason not in (None, 'rejected'):
            break
    return Report(reason, message, status, attempts, objects, requests, refused)
