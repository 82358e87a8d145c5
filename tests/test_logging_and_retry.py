# -*- coding: utf-8 -*-
"""Log masking, and the retry policy's arithmetic."""
import pytest

from support import API_KEY, FakeClock, load_module

logging_module = load_module('actions.braze_logging')
retry = load_module('actions.braze_retry')


def test_mask_hides_key_pieces_emails_phones_and_known_personal_values():
    lines = []
    say = logging_module.SafeLog(lines.append, 'Node')
    say.hide_secret(API_KEY)
    say.hide_personal(['Ada Lovelace', 'London', None, 'x'])
    say('key {} prefix {} mail ada@example.com phone +1 (555) 123-4567 name Ada Lovelace of london'.format(
        API_KEY, API_KEY[:8]))
    assert lines == ['Node: key <api-key> prefix <api-key> mail <email> phone <phone> name <personal> of <personal>']


def test_mask_keeps_ordinary_text_and_clips_long_lines():
    say = logging_module.SafeLog(None, 'Node')
    say.hide_secret(API_KEY)
    assert say.mask('status=201 attempts=1 elapsed_ms=12') == 'status=201 attempts=1 elapsed_ms=12'
    assert len(say.mask('y' * 10000)) == logging_module.MAX_LINE


@pytest.mark.parametrize('headers, wait', [
    ({'X-Ratelimit-Retry-After': '7'}, 7.0),
    ({'Retry-After': '5'}, 5.0),
    ({'Retry-After': 'Wed, 21 Oct 2015 07:28:10 GMT'}, 0.0),
    ({'X-RateLimit-Reset': '12'}, 12.0),
    ({'X-RateLimit-Reset': '2000000030'}, 30.0),
    ({'X-RateLimit-Reset': '1999999990'}, 0.0),
    ({'X-Ratelimit-Retry-After': 'soon', 'Retry-After': '3'}, 3.0),
    ({'X-Ratelimit-Retry-After': 'inf'}, None),
    ({}, None),
])
def test_rate_limit_wait_reads_every_documented_header(headers, wait):
    assert retry.rate_limit_wait(headers, now=2000000000.0) == wait


def test_backoff_doubles_with_jitter_and_caps():
    clock = FakeClock()
    low = retry.RetryPolicy(10, 5, clock, clock.sleep, rand=lambda: 0.0)
    high = retry.RetryPolicy(10, 5, clock, clock.sleep, rand=lambda: 1.0)
    assert [low.backoff(n) for n in (1, 2, 3, 10)] == [0.125, 0.25, 0.5, 1.0]
    assert [high.backoff(n) for n in (1, 2, 3, 10)] == [0.25, 0.5, 1.0, 2.0]


def test_fits_and_timeouts_follow_the_deadline():
    clock = FakeClock()
    policy = retry.RetryPolicy(2.0, 3, clock, clock.sleep)
    assert policy.fits(1.9) and not policy.fits(1.96) and not policy.fits(None)
    clock.now += 1.5
    assert policy.timeouts(3.0, 10.0) == (0.5, 0.5)
    policy.wait(0.25)
    assert clock.sleeps == [0.25] and policy.elapsed_ms() == 1750


def test_longer_personal_values_are_masked_whole_before_their_parts():
    say = logging_module.SafeLog(None, 'Node')
    say.hide_personal(['Ann', 'Ann-Marie', 'Smith'])
    assert say.mask('name ann-marie smith') == 'name <personal> <personal>'
