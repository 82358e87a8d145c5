# -*- coding: utf-8 -*-
"""The node against Braze's answers, mocked at the HTTP layer with ``responses``."""
import json

import pytest
import requests
import responses

from support import (API_KEY, SANDBOX, SEED_PAYLOAD, TRACK_URL, braze_body, node_module, load_module,
                     request_json)

version = load_module("actions.braze_version").USER_AGENT
DEEP = [1]
for _ in range(40):
    DEEP = [DEEP]


@pytest.fixture
def braze():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def answer(braze, status=201, fixture='success.json', body=None, headers=None):
    braze.add(responses.POST, TRACK_URL, status=status, headers=headers or {},
              body=body if body is not None else braze_body(fixture),
              content_type='application/json' if body is None else 'text/html')


# --- the exact request ---------------------------------------------------------------

def test_seed_flat_form_sends_exact_request(braze, params, node, logs):
    answer(braze)
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))

    assert result == {'success': 'true'}
    assert len(braze.calls) == 1
    call = braze.calls[0]
    assert call.request.url == TRACK_URL
    assert call.request.headers['Authorization'] == 'Bearer ' + API_KEY
    assert call.request.headers['Content-Type'] == 'application/json'
    assert call.request.headers['User-Agent'] == version
    assert '?' not in call.request.url
    assert request_json(call) == {
        'attributes': [{
            'external_id': 'user-42', 'first_name': 'Ada', 'last_name': 'Lovelace',
            'email': 'ada.lovelace@example.com', 'dob': '1985-12-10', 'home_city': 'London',
            'operating_system': 'iOS',
        }],
        'events': [{'external_id': 'user-42', 'name': 'chat_completed', 'time': '2024-03-01T10:15:00+00:00'}],
        'partner': 'pypestream',
    }


def test_explicit_form_sends_exact_request(braze, params, node, logs):
    answer(braze)
    payload = {
        'external_id': '{USER_ID}',
        'attributes': {'first_name': '{FIRST_NAME}', 'gender': 'female', 'home_city': None,
                       'visits': {'inc': 1}, 'topics': {'add': ['billing']}},
        'events': [{'name': 'chat_completed', 'properties': {'intent': '{INTENT}', 'score': 4}}],
        'purchases': [{'product_id': 'plan-pro', 'currency': 'usd', 'price': '19.99', 'quantity': 2,
                       'time': '2024-03-01 10:00:00+02:00'}],
        'USER_ID': 'user-7',
    }
    context = dict(SANDBOX, FIRST_NAME='Grace', user_data={'INTENT': 'upgrade'})
    result = node.execute(logs, payload, context)

    assert result == {'success': 'true'}
    assert request_json(braze.calls[0]) == {
        'attributes': [{'external_id': 'user-7', 'first_name': 'Grace', 'gender': 'F', 'home_city': None,
                        'visits': {'inc': 1}, 'topics': {'add': ['billing']}}],
        'events': [{'external_id': 'user-7', 'name': 'chat_completed', 'time': '2023-11-14T22:13:20+00:00',
                    'properties': {'intent': 'upgrade', 'score': 4}}],
        'purchases': [{'external_id': 'user-7', 'product_id': 'plan-pro', 'currency': 'USD', 'price': 19.99,
                       'quantity': 2, 'time': '2024-03-01T10:00:00+02:00'}],
        'partner': 'pypestream',
    }


def test_body_is_json_not_query_and_has_no_api_key(braze, params, node, logs):
    answer(braze)
    node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    sent = braze.calls[0].request
    assert API_KEY not in sent.body.decode()
    assert 'api_key' not in request_json(braze.calls[0])
    assert sent.url.endswith('/users/track')


def test_trailing_slash_in_configured_url_is_not_sent(braze, params, node, logs):
    params['braze_url'] = 'https://rest.iad-01.braze.com/'
    params['braze_user_track'] = '/users/track/'
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}
    assert braze.calls[0].request.url == TRACK_URL


def test_one_session_is_reused_across_calls(params, logs):
    session = node_module.braze_transport.SESSION
    assert isinstance(session, requests.Session)
    assert session.trust_env is False
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, TRACK_URL, status=201, body=braze_body('success.json'))
        mock.add(responses.POST, TRACK_URL, status=201, body=braze_body('success.json'))
        first = node_module.BrazeUserTrack()
        second = node_module.BrazeUserTrack()
        assert first.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))['success'] == 'true'
        assert second.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))['success'] == 'true'
    assert node_module.braze_transport.SESSION is session


def test_timeouts_passed_to_requests_are_explicit(braze, params, node, logs, monkeypatch):
    seen = {}
    original = requests.Session.send

    def spy(self, request, **kwargs):
        seen.update(kwargs)
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, 'send', spy)
    params.update(braze_connect_timeout='1.5', braze_read_timeout='3')
    answer(braze)
    node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert seen['timeout'] == (1.5, 3.0)
    assert seen['verify'] is True
    assert seen['allow_redirects'] is False


# --- outcomes ------------------------------------------------------------------------

def test_partial_success_is_error_naming_rejected_input(braze, params, node, logs):
    answer(braze, fixture='partial_bad_email.json')
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result['success'] == 'error'
    assert result['BRAZE_ERROR'] == 'rejected'
    assert result['BRAZE_REJECTED'] == "attributes: The value provided for the 'email' field is not a valid email."
    assert any("rejected by Braze: attributes: The value provided for the 'email'" in line for line in logs)
    assert len(braze.calls) == 1


@pytest.mark.parametrize('status, fixture, reason', [
    (202, 'queued_202.json', 'unexpected'),
    (400, 'no_valid_data_400.json', 'bad_request'),
    (400, 'max_input_400.json', 'bad_request'),
    (401, 'invalid_key_401.json', 'unauthorized'),
    (404, 'success.json', 'not_found'),
])
def test_fatal_answers_are_errors_and_never_retried(braze, params, node, logs, status, fixture, reason):
    answer(braze, status=status, fixture=fixture)
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result['success'] == 'error'
    assert result['BRAZE_ERROR'] == reason
    assert len(braze.calls) == 1
    assert 'status={} attempts=1'.format(status) in logs[-1]


@pytest.mark.parametrize('status, reason, cause', [
    (403, 'forbidden', 'users.track permission'),
    (413, 'bad_request', '4 MB'),
    (415, 'bad_request', 'Content-Type'),
    (501, 'unavailable', 'does not implement'),
    (302, 'unexpected', 'does not document'),
    (418, 'unexpected', 'does not document'),
])
def test_non_json_error_bodies_become_errors_with_a_cause(braze, params, node, logs, status, reason, cause):
    answer(braze, status=status, body='<html><body>Forbidden</body></html>')
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_ERROR': reason}
    assert len(braze.calls) == 1
    assert cause in logs[-1]


def test_201_with_non_success_message_is_error(braze, params, node, logs):
    answer(braze, status=201, body='{"message": "something else"}')
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))['BRAZE_ERROR'] == 'unexpected'


def test_401_body_echoing_the_key_never_reaches_the_log(braze, params, node, logs):
    answer(braze, status=401, fixture='invalid_key_401.json')
    node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert 'refused' in logs[-1]
    # the ``logs`` fixture checks every line for the key and its pieces


# --- retries, waits and the deadline ---------------------------------------------------

def test_5xx_then_success_retries_attribute_only_request(braze, params, node, clock, logs):
    answer(braze, status=503, body='Service Unavailable')
    answer(braze, status=502, body='Bad Gateway')
    answer(braze, status=201, fixture='success_attributes_only.json')
    payload = dict(SEED_PAYLOAD, NAME_OF_EVENT=None)
    result = node.execute(logs, payload, dict(SANDBOX))
    assert result == {'success': 'true'}
    assert len(braze.calls) == 3
    assert clock.sleeps == [pytest.approx(0.1875), pytest.approx(0.375)]  # jitter fixed at 0.5
    assert 'attempts=3' in logs[-1]


def test_5xx_with_an_event_is_not_resent(braze, params, node, clock, logs):
    answer(braze, status=500, body='Internal Server Error')
    answer(braze)
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(braze.calls) == 1
    assert clock.sleeps == []
    assert 'counted twice' in logs[-1]


def test_inc_makes_a_request_non_replayable(braze, params, node, logs):
    answer(braze, status=500, body='oops')
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'visits': {'inc': 1}}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert len(braze.calls) == 1


def test_setting_allows_resending_events(braze, params, node, logs):
    params['braze_retry_non_idempotent'] = 'true'
    answer(braze, status=500, body='oops')
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}
    assert len(braze.calls) == 2


def test_read_timeout_with_event_is_not_resent(braze, params, node, logs):
    braze.add(responses.POST, TRACK_URL, body=requests.exceptions.ReadTimeout('read timed out'))
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert len(braze.calls) == 1


def test_connection_refused_with_event_is_retried(braze, params, node, logs):
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    refused = requests.exceptions.ConnectionError(
        MaxRetryError(None, TRACK_URL, NewConnectionError(None, 'Connection refused')))
    braze.add(responses.POST, TRACK_URL, body=refused)
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}
    assert len(braze.calls) == 2


def test_connect_timeout_is_retried_even_with_events(braze, params, node, logs):
    braze.add(responses.POST, TRACK_URL, body=requests.exceptions.ConnectTimeout('connect timed out'))
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}


def test_dropped_connection_with_event_is_not_resent(braze, params, node, logs):
    dropped = requests.exceptions.ConnectionError(
        ConnectionResetError(104, 'Connection reset by peer'))
    braze.add(responses.POST, TRACK_URL, body=dropped)
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(braze.calls) == 1


def test_5xx_retries_stop_after_max_attempts(braze, params, node, logs):
    for _ in range(5):
        answer(braze, status=503, body='down')
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert len(braze.calls) == 3
    assert 'after 3 attempts' in logs[-1]


@pytest.mark.parametrize('headers, expected', [
    ({'X-Ratelimit-Retry-After': '2'}, 2.0),
    ({'Retry-After': '1'}, 1.0),
    ({'X-RateLimit-Reset': '3'}, 3.0),
    ({'X-RateLimit-Reset': str(1700000000 + 4)}, 4.0),
    ({'x-ratelimit-retry-after': '1.5'}, 1.5),
])
def test_429_waits_as_braze_says_then_succeeds(braze, params, node, clock, logs, headers, expected):
    answer(braze, status=429, body='{"message": "rate limited"}', headers=headers)
    answer(braze)
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}
    assert clock.sleeps == [pytest.approx(expected)]
    assert len(braze.calls) == 2


def test_429_longer_than_the_deadline_fails_at_once(braze, params, node, clock, logs):
    answer(braze, status=429, body='{"message": "rate limited"}', headers={'X-Ratelimit-Retry-After': '60'})
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_ERROR': 'rate_limited'}
    assert clock.sleeps == []
    assert len(braze.calls) == 1
    assert 'does not fit in the deadline' in logs[-1]


def test_retries_never_exceed_the_deadline(braze, params, clock, logs):
    params.update(braze_deadline='1', braze_max_attempts='10')
    node = node_module.BrazeUserTrack(clock=clock, sleep=clock.sleep, rand=lambda: 1.0)
    for _ in range(10):
        answer(braze, status=503, body='down')
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert sum(clock.sleeps) <= 1.0
    assert clock.now - 1000.0 <= 1.0
    assert len(braze.calls) < 10


def test_each_attempt_timeout_is_cut_to_the_time_left(braze, params, clock, logs, monkeypatch):
    params.update(braze_deadline='1', braze_read_timeout='30', braze_connect_timeout='30')
    timeouts = []
    original = requests.Session.send

    def spy(self, request, **kwargs):
        timeouts.append(kwargs['timeout'])
        clock.now += 0.4  # each attempt takes 0.4 s of the deadline
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, 'send', spy)
    node = node_module.BrazeUserTrack(clock=clock, sleep=clock.sleep, rand=lambda: 0.0)
    for _ in range(3):
        answer(braze, status=503, body='down')
    node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}}, dict(SANDBOX))
    assert timeouts[0] == (1.0, 1.0)
    assert all(connect <= 1.0 and read <= 1.0 for connect, read in timeouts)
    assert timeouts[1][1] == pytest.approx(1.0 - 0.4 - 0.125)


# --- splitting -------------------------------------------------------------------------

def test_200_objects_are_split_into_requests_of_75_in_order(braze, params, node, logs):
    for _ in range(3):
        answer(braze)
    events = [{'name': 'step', 'properties': {'n': n}} for n in range(199)]
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}, 'events': events},
                          dict(SANDBOX))
    assert result == {'success': 'true'}
    bodies = [request_json(call) for call in braze.calls]
    assert [len(b.get('attributes', [])) + len(b.get('events', [])) for b in bodies] == [75, 75, 50]
    sent = [e['properties']['n'] for b in bodies for e in b.get('events', [])]
    assert sent == list(range(199))
    assert bodies[0]['attributes'] == [{'external_id': 'u1', 'plan': 'pro'}]
    assert 'objects=200 requests=3' in logs[-1]


def test_configured_max_objects_is_honoured(braze, params, node, logs):
    params['braze_max_objects'] = '50'
    for _ in range(2):
        answer(braze)
    events = [{'name': 'e{}'.format(n)} for n in range(60)]
    node.execute(logs, {'external_id': 'u1', 'events': events}, dict(SANDBOX))
    assert [len(request_json(c)['events']) for c in braze.calls] == [50, 10]


def test_rejection_in_second_request_names_the_original_input(braze, params, node, logs):
    answer(braze)
    answer(braze, body=json.dumps({'message': 'success', 'errors': [
        {'type': "'name' is required", 'input_array': 'events', 'index': 1}]}), status=201)
    braze.calls.reset()
    events = [{'name': 'e{}'.format(n)} for n in range(80)]
    result = node.execute(logs, {'external_id': 'u1', 'events': events}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'rejected'
    assert result['BRAZE_REJECTED'] == "events[76]: 'name' is required"


# --- errors before any HTTP call ---------------------------------------------------------

@pytest.mark.parametrize('payload', [
    {'external_id': None, 'attributes': {'first_name': 'Ada'}},
    {'external_id': '{NOT_SET}'},
    {'external_id': 'a', 'email': 'a@example.com'},
    {'USER_ID': 'None', 'FIRST_NAME': 'Ada'},
    {'user_alias': {'alias_name': 'x'}},
    {'external_id': 'x' * 988},
])
def test_missing_or_invalid_identifier_is_invalid_input_without_http(braze, params, node, logs, payload):
    result = node.execute(logs, payload, dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_ERROR': 'invalid_input'}
    assert len(braze.calls) == 0
    assert 'nothing sent' in logs[-1]


def test_dropped_optional_values_are_named_and_the_rest_is_sent(braze, params, node, logs):
    answer(braze)
    payload = dict(SEED_PAYLOAD, DATE_OF_BIRTH='02/30/1990')
    result = node.execute(logs, payload, dict(SANDBOX))
    assert result == {'success': 'true', 'BRAZE_DROPPED': 'attributes.dob'}
    sent = request_json(braze.calls[0])['attributes'][0]
    assert 'dob' not in sent and sent['first_name'] == 'Ada'
    assert 'dropped attributes.dob: not a real date' in logs.text()


@pytest.mark.parametrize('payload', [
    None, [], 'not json', 42, 3.5, float('nan'), {'external_id': float('nan')},
    {'external_id': 'u', 'attributes': {'x': float('inf'), 'y': object(), 'z': {1: 2}}},
    {'external_id': 'u', 'events': 'nope', 'purchases': [None, 1, {'price': 'x'}]},
    {'external_id': 'u', 'attributes': {'deep': DEEP}},
    {'external_id': 'u', 'attributes': {'big': 'x' * 1000000}},
    {'external_id': {'a': 1}}, {'external_id': b'bytes'}, {'external_id': 10 ** 5000},
    {'USER_ID': 10 ** 5000, 'FIRST_NAME': 10 ** 5000},
])
@pytest.mark.parametrize('context', [None, [], 'sandbox', {'env': None}, {'env': 'sandbox', 'user_data': 7}])
def test_garbage_never_raises(braze, params, node, logs, payload, context):
    answer(braze)
    result = node.execute(logs, payload, context)
    assert result['success'] in ('true', 'error')
    assert all(isinstance(value, str) for value in result.values())
    assert list(result)[0] == 'success'


def test_unexpected_exception_becomes_internal_error(params, node, logs, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError('boom with ada@example.com')

    monkeypatch.setattr(node_module, 'build_requests', explode)
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_ERROR': 'internal'}
    assert 'RuntimeError' in logs[-1]
    assert 'ada@example.com' not in logs.text()


def test_a_log_callable_that_raises_does_not_break_the_node(braze, params, node):
    answer(braze)

    def broken(line):
        raise IOError('log sink down')

    assert node.execute(broken, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}
    assert node.execute(None, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'true'}


def test_personal_data_is_not_in_any_log_line(braze, params, node, logs):
    answer(braze, fixture='partial_bad_email.json')
    payload = dict(SEED_PAYLOAD, DATE_OF_BIRTH='31/31/1985', CITY_OF_RESIDENCE='x' * 300)
    node.execute(logs, payload, dict(SANDBOX))
    text = logs.text().lower()
    for value in ('ada', 'lovelace', 'ada.lovelace@example.com', '1985', 'user-42'):
        assert value not in text


def test_an_object_too_large_for_any_request_is_dropped_and_named(braze, params, node, logs):
    huge = {'k{}'.format(n): 'v' * 250 for n in range(15000)}
    result = node.execute(logs, {'external_id': 'u', 'attributes': huge}, dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_ERROR': 'invalid_input'}
    assert len(braze.calls) == 0
    assert 'dropped attributes: larger than one Braze request may be' in logs.text()


def test_huge_integers_are_invalid_input_not_internal_errors(braze, params, node, logs):
    answer(braze)
    assert node.execute(logs, {'external_id': 10 ** 5000}, dict(SANDBOX))['BRAZE_ERROR'] == 'invalid_input'
    result = node.execute(logs, {'USER_ID': 'u', 'FIRST_NAME': 10 ** 5000}, dict(SANDBOX))
    assert result == {'success': 'true', 'BRAZE_DROPPED': 'attributes.first_name'}
