# -*- coding: utf-8 -*-
"""BrazeUserTrack against Braze's answers, mocked at the HTTP adapter with ``responses``: the exact
requests, what each answer becomes, retries, the deadline, splitting."""
import json

import pytest
import requests
import responses

from support import (shown, API_KEY, SANDBOX, SEED_PAYLOAD, TRACK_URL, BrazeUserTrack, braze_body, load_module,
                     request_json)

USER_AGENT = load_module('actions.braze_version').USER_AGENT
DEEP = [1]
for _ in range(40):
    DEEP = [DEEP]


def answer(mocked, status=201, fixture='success.json', body=None, headers=None):
    mocked.add(responses.POST, TRACK_URL, status=status, headers=headers or {},
               body=body if body is not None else braze_body(fixture),
               content_type='application/json' if body is None else 'text/html')


# --- the exact request ---------------------------------------------------------------

def test_seed_flat_form_sends_exact_request(mocked, params, node, logs):
    answer(mocked)
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))

    assert shown(result) == {'success': 'true'}
    assert len(mocked.calls) == 1
    sent = mocked.calls[0].request
    assert sent.url == TRACK_URL
    assert sent.headers['Authorization'] == 'Bearer ' + API_KEY
    assert sent.headers['Content-Type'] == 'application/json'
    assert sent.headers['Accept-Encoding'] == 'identity'
    assert sent.headers['User-Agent'] == USER_AGENT
    assert 'Cookie' not in sent.headers
    assert request_json(mocked.calls[0]) == {
        'attributes': [{
            'external_id': 'user-42', 'first_name': 'Ada', 'last_name': 'Lovelace',
            'email': 'ada.lovelace@example.com', 'dob': '1985-12-10', 'home_city': 'London',
            'operating_system': 'iOS',
        }],
        'events': [{'external_id': 'user-42', 'name': 'chat_completed', 'time': '2024-03-01T10:15:00+00:00'}],
        'partner': 'pypestream',
    }


def test_explicit_form_sends_exact_request(mocked, params, node, logs):
    answer(mocked)
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
    assert shown(node.execute(logs, payload, context)) == {'success': 'true'}
    assert request_json(mocked.calls[0]) == {
        'attributes': [{'external_id': 'user-7', 'first_name': 'Grace', 'gender': 'F', 'home_city': None,
                        'visits': {'inc': 1}, 'topics': {'add': ['billing']}}],
        'events': [{'external_id': 'user-7', 'name': 'chat_completed', 'time': '2023-11-14T22:13:20+00:00',
                    'properties': {'intent': 'upgrade', 'score': 4}}],
        'purchases': [{'external_id': 'user-7', 'product_id': 'plan-pro', 'currency': 'USD', 'price': 19.99,
                       'quantity': 2, 'time': '2024-03-01T10:00:00+02:00'}],
        'partner': 'pypestream',
    }


def test_flat_and_explicit_forms_send_the_same_body(mocked, params, node, logs):
    answer(mocked)
    answer(mocked)
    node.execute(logs, {'USER_ID': 'u', 'NAME_OF_EVENT': 'chat', 'EVENT_TIME': '2024-01-01T00:00:00Z'}, dict(SANDBOX))
    node.execute(logs, {'external_id': 'u', 'events': [{'name': 'chat', 'time': '2024-01-01T00:00:00Z'}]},
                 dict(SANDBOX))
    flat, explicit = (request_json(call) for call in mocked.calls)
    assert flat == explicit == {'events': [{'external_id': 'u', 'name': 'chat', 'time': '2024-01-01T00:00:00+00:00'}],
                                'partner': 'pypestream'}  # no empty attributes object beside the event


def test_update_only_mode_is_on_every_object_and_adds_no_empty_attributes(mocked, params, node, logs):
    answer(mocked)
    payload = {'external_id': 'u', 'update_existing_only': 'on', 'events': [{'name': 'e'}],
               'purchases': [{'product_id': 'p', 'currency': 'EUR', 'price': 1}]}
    assert shown(node.execute(logs, payload, dict(SANDBOX))) == {'success': 'true'}
    body = request_json(mocked.calls[0])
    assert 'attributes' not in body
    assert body['events'][0]['_update_existing_only'] is True
    assert body['purchases'][0]['_update_existing_only'] is True


def test_merge_objects_and_nested_operators_reach_braze(mocked, params, node, logs):
    answer(mocked)
    payload = {'external_id': 'u', 'merge_objects': True, 'attributes': {
        'pets': {'$add': [{'id': 1, 'born': {'$time': '2020-01-02'}}]},
        'cars': {'$update': [{'$identifier_key': 'vin', '$identifier_value': 'X1', '$new_object': {'km': 5}}]},
        'old': {'$remove': [{'$identifier_key': 'id', '$identifier_value': 7}]},
        'profile': {'tier': 'gold', 'since': {'$time': '2021-05-06T07:08:09Z'}}}}
    assert shown(node.execute(logs, payload, dict(SANDBOX))) == {'success': 'true'}
    [sent] = request_json(mocked.calls[0])['attributes']
    assert sent['_merge_objects'] is True
    assert sent['pets'] == {'$add': [{'id': 1, 'born': {'$time': '2020-01-02T00:00:00+00:00'}}]}
    assert sent['cars']['$update'][0]['$new_object'] == {'km': 5}
    assert sent['profile']['since'] == {'$time': '2021-05-06T07:08:09+00:00'}


def test_one_bad_nested_value_drops_only_itself(mocked, params, node, logs):
    answer(mocked)
    payload = {'external_id': 'u', 'attributes': {
        'good': {'tier': 'gold'}, 'bad key': {'a': 1}, 'spaced': {'a b': 1}, 'huge': {'k': ['v' * 250] * 500}}}
    result = node.execute(logs, payload, dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'BRAZE_DROPPED': 'attributes.spaced,attributes.huge'}
    [sent] = request_json(mocked.calls[0])['attributes']
    assert sent == {'external_id': 'u', 'good': {'tier': 'gold'}, 'bad key': {'a': 1}}


def test_dollar_keys_are_refused_in_event_properties(mocked, params, node, logs):
    answer(mocked)
    result = node.execute(logs, {'external_id': 'u', 'events': [{'name': 'e', 'properties': {'$add': 1, 'ok': 2}}]},
                          dict(SANDBOX))
    assert result['BRAZE_DROPPED'] == 'events[0].properties.$add'
    assert request_json(mocked.calls[0])['events'][0]['properties'] == {'ok': 2}


@pytest.mark.parametrize('payload, identifier, attributes', [
    ({'email': 'A@B.example', 'phone': '+1 (555) 123-4567'}, {'email': 'a@b.example'}, {'phone': '+15551234567'}),
    ({'phone': '+44 20 7946 0958'}, {'phone': '+442079460958'}, {}),
    ({'external_id': 'u', 'email': 'a@b.example'}, {'external_id': 'u'}, {'email': 'a@b.example'}),
])
def test_identifiers_follow_braze_precedence(mocked, params, node, logs, payload, identifier, attributes):
    answer(mocked)
    assert shown(node.execute(logs, payload, dict(SANDBOX))) == {'success': 'true'}
    [sent] = request_json(mocked.calls[0])['attributes']
    assert sent == dict(identifier, **attributes)


@pytest.mark.parametrize('phone', ['555-1234', '0044 20 7946 0958', '+1 555 CALL NOW', '+12345678901234567'])
def test_an_unusable_phone_identifier_is_invalid_input(mocked, params, node, logs, phone):
    assert node.execute(logs, {'phone': phone}, dict(SANDBOX))['BRAZE_ERROR'] == 'invalid_input'
    assert len(mocked.calls) == 0


def test_body_is_json_not_query_and_has_no_api_key(mocked, params, node, logs):
    answer(mocked)
    node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    sent = mocked.calls[0].request
    assert API_KEY not in sent.body.decode() and 'api_key' not in request_json(mocked.calls[0])
    assert sent.url.endswith('/users/track')


def test_trailing_slash_in_configured_url_is_not_sent(mocked, params, node, logs):
    params['braze_url'] = 'https://rest.iad-01.braze.com/'
    params['braze_user_track'] = '/users/track/'
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}
    assert mocked.calls[0].request.url == TRACK_URL


def test_timeouts_and_no_proxies_are_passed_to_the_adapter(mocked, params, node, logs, monkeypatch):
    seen = {}
    original = requests.adapters.HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.update(kwargs)
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, 'send', spy)
    params.update(braze_connect_timeout='1.5', braze_read_timeout='3')
    answer(mocked)
    node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert seen['timeout'] == (1.5, 3.0)
    assert seen['verify'] is True and seen['proxies'] == {} and seen['stream'] is True


# --- outcomes ------------------------------------------------------------------------

def test_partial_success_is_error_naming_the_refused_input(mocked, params, node, logs):
    answer(mocked, fixture='partial_bad_email.json')
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'rejected',
                      'BRAZE_REJECTED': "attributes: The value provided for the 'email' field is not a valid email."}
    assert any("refused by Braze: attributes: The value provided for the 'email'" in line for line in logs)
    assert len(mocked.calls) == 1


def test_a_400_with_per_object_errors_names_the_refused_input_too(mocked, params, node, logs):
    answer(mocked, status=400, fixture='no_valid_data_400.json')
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'bad_request'
    assert result['BRAZE_REJECTED'] == "attributes: 'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required"
    assert any(line.startswith('BrazeUserTrack: refused by Braze: attributes:') for line in logs)


@pytest.mark.parametrize('status, fixture, reason', [
    (202, 'queued_202.json', 'unexpected'),
    (400, 'max_input_400.json', 'bad_request'),
    (401, 'invalid_key_401.json', 'unauthorized'),
    (404, 'success.json', 'not_found'),
])
def test_fatal_answers_are_errors_and_never_retried(mocked, params, node, logs, status, fixture, reason):
    answer(mocked, status=status, fixture=fixture)
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': reason}
    assert len(mocked.calls) == 1
    assert 'status={} attempts=1'.format(status) in logs[-1]


@pytest.mark.parametrize('status, reason, cause', [
    (403, 'forbidden', 'users.track permission'),
    (413, 'bad_request', '4 MB'),
    (415, 'bad_request', 'Content-Type'),
    (501, 'unavailable', 'does not implement'),
    (302, 'unexpected', 'does not document'),
    (418, 'unexpected', 'does not document'),
])
def test_non_json_error_bodies_become_errors_with_a_cause(mocked, params, node, logs, status, reason, cause):
    answer(mocked, status=status, body='<html><body>Forbidden</body></html>')
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'error', 'BRAZE_ERROR': reason}
    assert len(mocked.calls) == 1
    assert cause in logs[-1]


def test_201_with_non_success_message_is_error(mocked, params, node, logs):
    answer(mocked, status=201, body='{"message": "something else"}')
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))['BRAZE_ERROR'] == 'unexpected'


def test_401_body_echoing_the_key_never_reaches_the_log(mocked, params, node, logs):
    answer(mocked, status=401, fixture='invalid_key_401.json')
    node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert 'refused' in logs[-1]  # the ``logs`` fixture checks every line for the key and its pieces


# --- retries, waits and the deadline ---------------------------------------------------

def test_5xx_then_success_retries_attribute_only_request(mocked, params, node, clock, logs):
    answer(mocked, status=503, body='Service Unavailable')
    answer(mocked, status=500, body='oops')
    answer(mocked, status=201, fixture='success_attributes_only.json')
    result = node.execute(logs, dict(SEED_PAYLOAD, NAME_OF_EVENT=None), dict(SANDBOX))
    assert shown(result) == {'success': 'true'}
    assert len(mocked.calls) == 3
    assert clock.sleeps == [pytest.approx(0.1875), pytest.approx(0.375)]  # jitter fixed at 0.5
    assert 'attempts=3' in logs[-1]


@pytest.mark.parametrize('status', [500, 503, 504])
def test_an_ambiguous_5xx_with_an_event_is_not_resent(mocked, params, node, clock, logs, status):
    answer(mocked, status=status, body='down')
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(mocked.calls) == 1 and clock.sleeps == []
    assert 'count twice' in logs[-1]


def test_502_fails_before_braze_so_events_are_resent(mocked, params, node, logs):
    answer(mocked, status=502, body='Bad Gateway')
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}
    assert len(mocked.calls) == 2


@pytest.mark.parametrize('attributes', [{'visits': {'inc': 1}}, {'pets': {'$add': [{'id': 1}]}}])
def test_inc_and_object_add_make_a_request_non_replayable(mocked, params, node, logs, attributes):
    answer(mocked, status=500, body='oops')
    result = node.execute(logs, {'external_id': 'u1', 'attributes': attributes}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert len(mocked.calls) == 1


def test_setting_allows_resending_events(mocked, params, node, logs):
    params['braze_retry_non_idempotent'] = 'true'
    answer(mocked, status=500, body='oops')
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}
    assert len(mocked.calls) == 2


def _refused():
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    return requests.exceptions.ConnectionError(MaxRetryError(None, TRACK_URL, NewConnectionError(None, 'refused')))


@pytest.mark.parametrize('failure, result, calls', [
    # Nothing reached Braze: sent again, events included.
    (_refused(), {'success': 'true'}, 2),
    (requests.exceptions.ConnectTimeout('connect timed out'), {'success': 'true'}, 2),
    # Braze may have it: an event is not sent again.
    (requests.exceptions.ReadTimeout('read timed out'), {'success': 'error', 'BRAZE_ERROR': 'timeout'}, 1),
    (requests.exceptions.ConnectionError(ConnectionResetError(104, 'Connection reset by peer')),
     {'success': 'error', 'BRAZE_ERROR': 'unavailable'}, 1),
], ids=['refused', 'connect timeout', 'read timeout', 'reset'])
def test_an_event_is_resent_only_when_braze_never_saw_it(mocked, params, node, logs, failure, result, calls):
    mocked.add(responses.POST, TRACK_URL, body=failure)
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == result
    assert len(mocked.calls) == calls


def test_5xx_retries_stop_after_max_attempts(mocked, params, node, logs):
    for _ in range(5):
        answer(mocked, status=503, body='down')
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert len(mocked.calls) == 3
    assert 'after 3 attempts' in logs[-1]


@pytest.mark.parametrize('headers, expected', [
    ({'Retry-After': '1'}, 1.0),
    ({'X-RateLimit-Reset': '3'}, 3.0),
    ({'X-RateLimit-Reset': str(1700000000 + 4)}, 4.0),
    ({'x-ratelimit-reset': str(1700000000 + 2)}, 2.0),
    ({'X-Ratelimit-Retry-After': '2'}, 2.0),
    ({'x-ratelimit-retry-after': '1.5'}, 1.5),
])
def test_429_waits_as_braze_says_then_succeeds(mocked, params, node, clock, logs, headers, expected):
    answer(mocked, status=429, body='{"message": "rate limited"}', headers=headers)
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}
    assert clock.sleeps == [pytest.approx(expected)]
    assert len(mocked.calls) == 2


def test_429_without_a_wait_header_backs_off_and_resends_the_event(mocked, params, node, clock, logs):
    answer(mocked, status=429, body='{"message": "rate limited"}')
    answer(mocked)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}
    assert clock.sleeps == [pytest.approx(0.1875)]


def test_429_longer_than_the_deadline_fails_at_once(mocked, params, node, clock, logs):
    answer(mocked, status=429, body='{"message": "rate limited"}', headers={'X-RateLimit-Reset': '60'})
    result = node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'rate_limited'}
    assert clock.sleeps == [] and len(mocked.calls) == 1
    assert 'does not fit in the deadline' in logs[-1]


def test_retries_never_exceed_the_deadline(mocked, params, clock, make, logs):
    params.update(braze_deadline='1', braze_max_attempts='10')
    node = make(BrazeUserTrack, rand=lambda: 1.0)
    for _ in range(10):
        answer(mocked, status=503, body='down')
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert sum(clock.sleeps) <= 1.0 and clock.now - 1000.0 <= 1.0
    assert len(mocked.calls) < 10


def test_a_deadline_spent_before_an_attempt_sends_nothing(mocked, params, clock, make, logs, monkeypatch):
    params.update(braze_deadline='0.2')
    build = load_module('actions.braze_track').build

    def slow_build(*args):
        clock.now += 0.5  # building took longer than the whole deadline
        return build(*args)

    monkeypatch.setattr(load_module('actions.braze_track'), 'build', slow_build)
    answer(mocked)
    result = make(BrazeUserTrack).execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert len(mocked.calls) == 0
    assert logs[-1].endswith(': the deadline passed before Braze answered')


def test_each_attempt_timeout_is_cut_to_the_time_left(mocked, params, clock, make, logs, monkeypatch):
    params.update(braze_deadline='1', braze_read_timeout='30', braze_connect_timeout='30')
    timeouts = []
    original = requests.adapters.HTTPAdapter.send

    def spy(self, request, **kwargs):
        timeouts.append(kwargs['timeout'])
        clock.now += 0.4  # each attempt takes 0.4 s of the deadline
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, 'send', spy)
    for _ in range(3):
        answer(mocked, status=503, body='down')
    make(BrazeUserTrack, rand=lambda: 0.0).execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}},
                                                  dict(SANDBOX))
    assert timeouts[0] == (1.0, 1.0)
    assert all(connect <= 1.0 and read <= 1.0 for connect, read in timeouts)
    assert timeouts[1][1] == pytest.approx(1.0 - 0.4 - 0.125)


# --- splitting -------------------------------------------------------------------------

def test_objects_go_75_combined_per_request_by_default_in_order(mocked, params, node, logs):
    for _ in range(5):
        answer(mocked)
    events = [{'name': 'step', 'properties': {'n': n}} for n in range(199)]
    result = node.execute(logs, {'external_id': 'u1', 'attributes': {'plan': 'pro'}, 'events': events}, dict(SANDBOX))
    assert shown(result) == {'success': 'true'}
    bodies = [request_json(call) for call in mocked.calls]
    assert [len(b.get('attributes', [])) + len(b.get('events', [])) for b in bodies] == [75, 75, 50]
    assert [e['properties']['n'] for b in bodies for e in b.get('events', [])] == list(range(199))
    assert bodies[0]['attributes'] == [{'external_id': 'u1', 'plan': 'pro'}]
    assert 'objects=200 requests=3' in logs[-1]


@pytest.mark.parametrize('contract, counts', [('legacy', [(75, 0), (25, 10)]), ('standard', [(75, 0), (25, 10)]),
                                              ('mau', [(75, 0), (25, 10)])])
def test_each_contract_splits_as_braze_allows(mocked, params, node, logs, contract, counts):
    params['braze_contract'] = contract
    for _ in range(3):
        answer(mocked)
    payload = {'external_id': 'u1', 'events': [{'name': 'e'}] * 100,
               'purchases': [{'product_id': 'p', 'currency': 'USD', 'price': 1}] * 10}
    node.execute(logs, payload, dict(SANDBOX))
    sent = [(len(request_json(c).get('events', [])), len(request_json(c).get('purchases', []))) for c in mocked.calls]
    assert sent == counts


def test_legacy_puts_75_of_each_array_in_one_request_and_standard_75_in_all(mocked, params, node, logs):
    payload = {'external_id': 'u1', 'events': [{'name': 'e'}] * 75,
               'purchases': [{'product_id': 'p', 'currency': 'USD', 'price': 1}] * 75}
    for contract, requests_made in (('legacy', 1), ('standard', 2)):
        params['braze_contract'] = contract
        before = len(mocked.calls)
        for _ in range(3):
            answer(mocked)
        node.execute(logs, payload, dict(SANDBOX))
        assert len(mocked.calls) - before == requests_made
        assert all(sum(len(v) for v in request_json(c).values() if isinstance(v, list)) <= (150 if contract == 'legacy' else 75)
                   for c in mocked.calls[before:])


def test_configured_max_objects_is_honoured(mocked, params, node, logs):
    params['braze_max_objects'] = '20'
    for _ in range(3):
        answer(mocked)
    node.execute(logs, {'external_id': 'u1', 'events': [{'name': 'e{}'.format(n)} for n in range(45)]}, dict(SANDBOX))
    assert [len(request_json(c)['events']) for c in mocked.calls] == [20, 20, 5]


def test_rejection_in_a_later_request_names_the_original_input(mocked, params, node, logs):
    answer(mocked)
    answer(mocked, body=json.dumps({'message': 'success', 'errors': [
        {'type': "'name' is required", 'input_array': 'events', 'index': 1}]}), status=201)
    events = [{'name': 'e{}'.format(n)} for n in range(100)]
    result = node.execute(logs, {'external_id': 'u1', 'events': events}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'rejected'
    assert result['BRAZE_REJECTED'] == "events[76]: 'name' is required"


def test_a_201_with_a_flood_of_errors_logs_a_handful_of_lines(mocked, params, node, logs):
    errors = [{'type': 'bad #{}'.format(n), 'input_array': 'events', 'index': n % 3} for n in range(12000)]
    answer(mocked, body=json.dumps({'message': 'success', 'errors': errors}), status=201)
    result = node.execute(logs, {'external_id': 'u', 'events': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}]},
                          dict(SANDBOX))
    assert len(logs) <= 8
    assert result['BRAZE_REJECTED'] == 'events[0]: bad #0; events[1]: bad #1; events[2]: bad #2'


# --- errors before any HTTP call ---------------------------------------------------------

@pytest.mark.parametrize('payload', [
    {'external_id': None, 'attributes': {'first_name': 'Ada'}},
    {'external_id': '{NOT_SET}'},
    {'external_id': 'a', 'user_alias': {'alias_name': 'x', 'alias_label': 'y'}},
    {'USER_ID': 'None', 'FIRST_NAME': 'Ada'},
    {'user_alias': {'alias_name': 'x'}},
    {'external_id': 'x' * 988},
    '{"external_id": ',
])
def test_missing_or_invalid_identifier_is_invalid_input_without_http(mocked, params, node, logs, payload):
    assert shown(node.execute(logs, payload, dict(SANDBOX))) == {'success': 'error', 'BRAZE_ERROR': 'invalid_input'}
    assert len(mocked.calls) == 0
    assert 'nothing sent' in logs[-1]


def test_json_text_with_a_byte_order_mark_is_read(mocked, params, node, logs):
    answer(mocked)
    assert shown(node.execute(logs, '\ufeff{"external_id": "u", "attributes": {"a": 1}}', dict(SANDBOX))) == {'success': 'true'}
    assert node.execute(logs, b'\xef\xbb\xbf{"external_id": "u"}', dict(SANDBOX))['success'] == 'true'


def test_dropped_optional_values_are_named_and_the_rest_is_sent(mocked, params, node, logs):
    answer(mocked)
    result = node.execute(logs, dict(SEED_PAYLOAD, DATE_OF_BIRTH='02/30/1990'), dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'BRAZE_DROPPED': 'attributes.dob'}
    sent = request_json(mocked.calls[0])['attributes'][0]
    assert 'dob' not in sent and sent['first_name'] == 'Ada'
    assert 'dropped attributes.dob: not a real date' in logs.text()


GARBAGE = [
    None, [], 'not json', 42, 3.5, float('nan'), {'external_id': float('nan')},
    {'external_id': 'u', 'attributes': {'x': float('inf'), 'y': object(), 'z': {1: 2}}},
    {'external_id': 'u', 'events': 'nope', 'purchases': [None, 1, {'price': 'x'}]},
    {'external_id': 'u', 'attributes': {'deep': DEEP}},
    {'external_id': 'u', 'attributes': {'big': 'x' * 1000000}},
    {'external_id': {'a': 1}}, {'external_id': b'bytes'}, {'external_id': 10 ** 5000},
    {'USER_ID': 10 ** 5000, 'FIRST_NAME': 10 ** 5000},
    {'external_id': 'u', 'attributes': DEEP}, {'external_id': 'u', 'update_existing_only': [1]},
]


@pytest.mark.parametrize('payload', GARBAGE)
def test_garbage_input_gets_past_the_settings_and_never_raises(mocked, params, node, logs, payload):
    answer(mocked)
    result = node.execute(logs, payload, dict(SANDBOX))
    assert list(result)[0] == 'success' and result['success'] in ('true', 'error')
    assert all(isinstance(value, str) for value in result.values())
    assert result.get('BRAZE_ERROR') in ('', 'invalid_input')  # never config (the settings are fine), never internal


@pytest.mark.parametrize('context', [None, [], 'sandbox', {'env': None}, {'env': 'sandbox', 'user_data': 7},
                                     {'env': 'sandbox', 'chat_id': object(), 'user_data': {'USER_ID': []}}])
def test_garbage_contexts_never_raise(mocked, params, node, logs, context):
    answer(mocked)
    result = node.execute(logs, dict(SEED_PAYLOAD), context)
    assert list(result)[0] == 'success'
    assert result.get('BRAZE_ERROR') in ('', 'config')


def test_unexpected_exception_becomes_internal_error(params, node, logs, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError('boom with ada@example.com')

    monkeypatch.setattr(load_module('actions.braze_batches'), 'split', explode)
    assert shown(node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'error', 'BRAZE_ERROR': 'internal'}
    assert 'RuntimeError' in logs[-1] and 'ada@example.com' not in logs.text()


def test_a_log_callable_that_raises_does_not_break_the_node(mocked, params, node):
    answer(mocked)
    answer(mocked)

    def broken(line):
        raise IOError('log sink down')

    assert shown(node.execute(broken, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}
    assert shown(node.execute(None, dict(SEED_PAYLOAD), dict(SANDBOX))) == {'success': 'true'}


def test_personal_data_is_not_in_any_log_line(mocked, params, node, logs):
    answer(mocked, fixture='partial_bad_email.json')
    node.execute(logs, dict(SEED_PAYLOAD, DATE_OF_BIRTH='31/31/1985', CITY_OF_RESIDENCE='x' * 300), dict(SANDBOX))
    text = logs.text().lower()
    for value in ('ada', 'lovelace', 'ada.lovelace@example.com', '1985', 'user-42'):
        assert value not in text


def test_one_oversized_attribute_drops_itself_not_the_name_and_email(mocked, params, node, logs):
    answer(mocked)
    payload = {'external_id': 'u', 'attributes': {'first_name': 'Ada', 'email': 'ada@example.com',
                                                  'blob': {'k{}'.format(n): 'v' * 250 for n in range(2000)}}}
    result = node.execute(logs, payload, dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'BRAZE_DROPPED': 'attributes.blob'}
    assert request_json(mocked.calls[0])['attributes'] == [
        {'external_id': 'u', 'first_name': 'Ada', 'email': 'ada@example.com'}]


def test_many_large_attributes_are_split_across_attribute_objects(mocked, params, node, logs):
    for _ in range(5):
        answer(mocked)
    payload = {'external_id': 'u', 'attributes': {'n{}'.format(n): {'k{}'.format(i): 'v' * 200 for i in range(400)}
                                                  for n in range(40)}}
    assert shown(node.execute(logs, payload, dict(SANDBOX))) == {'success': 'true'}
    sent = [obj for call in mocked.calls for obj in request_json(call)['attributes']]
    assert sorted(key for obj in sent for key in obj if key != 'external_id') == sorted(payload['attributes'])
    assert all(len(call.request.body) < 4 * 1024 * 1024 for call in mocked.calls)


def test_huge_integers_are_invalid_input_not_internal_errors(mocked, params, node, logs):
    answer(mocked)
    assert node.execute(logs, {'external_id': 10 ** 5000}, dict(SANDBOX))['BRAZE_ERROR'] == 'invalid_input'
    result = node.execute(logs, {'USER_ID': 'u', 'FIRST_NAME': 10 ** 5000}, dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'BRAZE_DROPPED': 'attributes.first_name'}
