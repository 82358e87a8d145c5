# -*- coding: utf-8 -*-
"""The retry decision is one pure function; the deadline and rate-limit arithmetic beside it."""
import pytest

from support import FakeClock, load_module

retry = load_module('actions.braze_retry')
answers = load_module('actions.braze_answers')


@pytest.mark.parametrize('ending, attempt, resend, remaining, wait, expected', [
    (retry.DONE, 1, True, 5.0, 0.1, (False, 'done')),
    (retry.NOT_SENT, 1, False, 5.0, 0.1, (True, '')),                 # nothing reached Braze: even events
    (retry.AMBIGUOUS, 1, True, 5.0, 0.1, (True, '')),                 # attribute sets, reads
    (retry.AMBIGUOUS, 1, False, 5.0, 0.1, (False, 'not resent')),     # events, sends
    (retry.NOT_SENT, 3, True, 5.0, 0.1, (False, 'after 3 attempts')),
    (retry.NOT_SENT, 1, True, 1.0, 0.96, (False, 'does not fit')),
    (retry.NOT_SENT, 1, True, 1.0, 0.95, (True, '')),
])
def test_decide(ending, attempt, resend, remaining, wait, expected):
    decision = retry.decide(ending, attempt, 3, resend, remaining, wait)
    assert decision.retry is expected[0]
    assert (expected[1] in decision.why) if expected[1] not in ('', 'done') else decision.why == ''
    assert decision.wait == (wait if decision.retry else 0.0)


@pytest.mark.parametrize('status, ending, reason', [
    (201, retry.DONE, None), (202, retry.DONE, 'unexpected'), (400, retry.DONE, 'bad_request'),
    (401, retry.DONE, 'unauthorized'), (403, retry.DONE, 'forbidden'), (404, retry.DONE, 'not_found'),
    (413, retry.DONE, 'bad_request'), (429, retry.NOT_SENT, 'rate_limited'), (500, retry.AMBIGUOUS, 'unavailable'),
    (501, retry.DONE, 'unavailable'), (502, retry.NOT_SENT, 'unavailable'), (503, retry.AMBIGUOUS, 'unavailable'),
    (504, retry.AMBIGUOUS, 'unavailable'), (302, retry.DONE, 'unexpected'),
])
def test_each_status_maps_to_one_ending_and_reason(status, ending, reason):
    body = {'message': 'success'} if status == 201 else {'message': 'queued'} if status == 202 else None
    verdict = answers.classify(status, body, 'users.track')
    assert (verdict.ending, verdict.reason) == (ending, reason)
    assert verdict.reason is None or verdict.reason in answers.REASONS


def test_403_names_the_permission_of_the_endpoint():
    assert 'users.export.ids' in answers.classify(403, {'message': 'Access Denied'}, 'users.export.ids').message


@pytest.mark.parametrize('headers, wait', [
    ({'Retry-After': '5'}, 5.0),
    ({'Retry-After': 'Wed, 21 Oct 2015 07:28:10 GMT'}, 0.0),
    ({'X-RateLimit-Reset': '12'}, 12.0),
    ({'X-RateLimit-Reset': '2000000030'}, 30.0),
    ({'X-RateLimit-Reset': '1999999990'}, 0.0),
    ({'X-Ratelimit-Retry-After': '7'}, 7.0),
    ({'Retry-After': 'soon', 'X-RateLimit-Reset': '3'}, 3.0),
    ({'X-Ratelimit-Retry-After': 'inf'}, None),
    ({}, None),
])
def test_rate_limit_wait_reads_every_header(headers, wait):
    assert retry.rate_limit_wait(headers, now=2000000000.0) == wait


def test_backoff_doubles_with_jitter_and_caps():
    assert [retry.backoff(n, lambda: 0.0) for n in (1, 2, 3, 10)] == [0.125, 0.25, 0.5, 1.0]
    assert [retry.backoff(n, lambda: 1.0) for n in (1, 2, 3, 10)] == [0.25, 0.5, 1.0, 2.0]


def test_timeouts_follow_the_deadline():
    clock = FakeClock()
    deadline = retry.Deadline(2.0, clock, clock.sleep)
    clock.now += 1.5
    assert deadline.timeouts(3.0, 10.0) == (0.5, 0.5)
    deadline.wait(0.25)
    assert clock.sleeps == [0.25] and deadline.elapsed_ms() == 1750 and deadline.has_time()
    clock.now += 0.3
    assert not deadline.has_time()


def test_refused_inputs_name_each_input_once_and_parse_leniently():
    labels = {'events': ['events[3]', 'events[7]']}
    errors = [{'type': 'bad', 'input_array': 'events', 'index': 1}, {'type': 'again', 'input_array': 'events',
                                                                     'index': 1},
              {'type': 'x', 'input_array': 'events', 'index': 9}, 'plain text', {'type': {'code': 1}}]
    assert answers.refused_inputs(errors, labels) == {'events[7]': 'bad', 'request': 'x'}


# status, Braze's body -> (ending, reason, status, the words of the log line, errors), exactly.
VERDICTS = [
    (200, {'message': 'success'}, ('done', None, 200, 'recorded', None)),
    (201, {'message': 'success', 'errors': ['x']}, ('done', 'rejected', 201, 'Braze refused part of the request', ['x'])),
    (299, {'message': 'queued'}, ('done', 'unexpected', 299, 'answer 299 with message queued instead of "success"', None)),
    (202, None, ('done', 'unexpected', 202, 'answer 202 with message null instead of "success"', None)),
    (300, {'message': 'success'}, ('done', 'unexpected', 300, 'Braze answered 300, which it does not document here', None)),
    (199, {'message': 'success'}, ('done', 'unexpected', 199, 'Braze answered 199, which it does not document here', None)),
    (429, {'message': 'Rate Limit'}, ('not_sent', 'rate_limited', 429, 'rate limited by Braze', None)),
    (502, None, ('not_sent', 'unavailable', 502, 'Braze answered 502', None)),
    (400, {'message': 'bad thing'}, ('done', 'bad_request', 400, 'Braze could not use the request (Braze said: bad thing)', None)),
    (401, {'message': 'Invalid API key: k'}, ('done', 'unauthorized', 401, "the REST API key was refused: check the key, "
                                              "that it belongs to this workspace, and that braze_url is your cluster's "
                                              "REST endpoint", None)),
    (403, {'message': 'Access Denied'}, ('done', 'forbidden', 403, 'the key lacks the users.track permission, the '
                                         'workspace is inactive, or an IP allowlist blocks this host', None)),
    (404, None, ('done', 'not_found', 404, "check braze_url (your cluster's REST endpoint)", None)),
    (413, {'message': 'too big'}, ('done', 'bad_request', 413, "the request is over Braze's 4 MB limit (Braze said: too big)",
                                   None)),
    (415, {}, ('done', 'bad_request', 415, 'Braze wants Content-Type: application/json', None)),
    (501, None, ('done', 'unavailable', 501, 'Braze does not implement this request', None)),
    (500, {'message': 'x'}, ('ambiguous', 'unavailable', 500, 'Braze answered 500', None)),
    (503, None, ('ambiguous', 'unavailable', 503, 'Braze answered 503', None)),
    (599, None, ('ambiguous', 'unavailable', 599, 'Braze answered 599', None)),
    (302, None, ('done', 'unexpected', 302, 'Braze answered 302, which it does not document here', None)),
    (600, None, ('done', 'unexpected', 600, 'Braze answered 600, which it does not document here', None)),
]


@pytest.mark.parametrize('status, body, expected', VERDICTS, ids=[str(v[0]) for v in VERDICTS])
def test_each_answer_gets_its_exact_verdict_and_keeps_its_body(status, body, expected):
    verdict = answers.classify(status, body, 'users.track')
    assert tuple(verdict[:5]) == expected and verdict.body is body
