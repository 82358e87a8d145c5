# -*- coding: utf-8 -*-
"""The emulator itself: Braze's documented examples, errors, state, limits and faults."""
import json
import os
import subprocess
import sys
import time

import pytest
import requests

import local_braze
from support import free_port

DOCS = os.path.join(os.path.dirname(__file__), 'fixtures', 'braze_docs', 'examples.json')
with open(DOCS) as handle:
    EXAMPLES = json.load(handle)
NO_VALID_DATA = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."


@pytest.fixture
def braze():
    with local_braze.running() as emulator:
        yield emulator


def post(braze, body, path='/users/track', key=None, content_type='application/json', raw=None):
    headers = {'Content-Type': content_type}
    if key is not False:
        headers['Authorization'] = 'Bearer ' + (key or braze.api_key)
    data = raw if raw is not None else json.dumps(body)
    return requests.post(braze.url + path, data=data, headers=headers, timeout=5)


@pytest.mark.parametrize('example', EXAMPLES['examples'], ids=lambda e: e['source'].split(', ')[-1])
def test_braze_documented_examples_are_accepted(braze, example):
    answer = post(braze, example['body'])
    assert answer.status_code == 201, answer.text
    assert answer.json() == dict({'message': 'success'}, **example['expect'])


@pytest.mark.parametrize('case', EXAMPLES['invalid'], ids=lambda c: c['source'][:40])
def test_braze_documented_invalid_cases_get_the_documented_errors(braze, case):
    answer = post(braze, case['body'])
    assert answer.status_code == case['status']
    assert answer.json()['message'] == case['message']
    assert answer.json().get('errors') == case['errors']


def test_more_than_75_objects_combined_is_max_input_length_exceeded(braze):
    body = {'attributes': [{'external_id': 'u{}'.format(n)} for n in range(40)],
            'events': [{'external_id': 'u', 'name': 'e', 'time': '2024-01-01T00:00:00Z'}] * 36}
    answer = post(braze, body)
    assert (answer.status_code, answer.json()) == (400, {'message': 'Max Input Length Exceeded'})
    assert braze.store.snapshot() == []


def test_per_array_mode_allows_75_of_each():
    with local_braze.running(per_array=True) as braze:
        body = {'attributes': [{'external_id': 'u{}'.format(n)} for n in range(75)],
                'events': [{'external_id': 'u', 'name': 'e', 'time': '2024-01-01T00:00:00Z'}] * 75}
        assert post(braze, body).status_code == 201
        body['events'].append(body['events'][0])
        assert post(braze, body).json() == {'message': 'Max Input Length Exceeded'}


def test_external_id_over_987_bytes(braze):
    answer = post(braze, {'attributes': [{'external_id': 'é' * 494}]})
    assert answer.json()['errors'] == [{'type': 'EXTERNAL_USER_ID_TOO_LARGE', 'input_array': 'attributes', 'index': 0}]


@pytest.mark.parametrize('array, obj, words', [
    ('attributes', {'external_id': 'u', 'user_alias': {'alias_name': 'a', 'alias_label': 'b'}}, 'Only one'),
    ('attributes', {'external_id': 'u', 'push_subscribe': 'maybe'}, 'BAD_PUSH_SUBSCRIPTION_STATE'),
    ('attributes', {'external_id': 'u', 'dob': '1990-02-30'}, 'dob'),
    ('attributes', {'external_id': 'u', 'city': 'x' * 256}, '255'),
    ('attributes', {'external_id': 'u', 'subscription_groups': [{'subscription_group_id': 'g',
                                                                   'subscription_state': 'maybe'}]},
     'BAD_SUBSCRIPTION_GROUP_STATE'),
    ('events', {'external_id': 'u', 'time': '2024-01-01T00:00:00Z'}, "'name' is required"),
    ('events', {'external_id': 'u', 'name': 'e'}, "'time' is required"),
    ('events', {'external_id': 'u', 'name': 'e', 'time': '2024-01-01T00:00:00Z', 'properties': {'time': 1}},
     'reserved'),
    ('events', {'external_id': 'u', 'name': 'e', 'time': '2024-01-01T00:00:00Z', 'properties': {'$x': 1}},
     'property name'),
    ('purchases', {'external_id': 'u', 'product_id': 'p', 'currency': 'USD', 'time': '2024-01-01T00:00:00Z'},
     'price'),
    ('purchases', {'external_id': 'u', 'product_id': 'p', 'currency': 'USD', 'price': 1, 'quantity': 101,
                   'time': '2024-01-01T00:00:00Z'}, 'quantity'),
    ('purchases', {'external_id': 'u', 'product_id': 'p', 'currency': 'usd', 'price': 1,
                   'time': '2024-01-01T00:00:00Z'}, 'currency'),
    ('purchases', {'external_id': 'u', 'product_id': 'p', 'currency': 'USD', 'price': 1,
                   'time': '2024-01-01T00:00:00Z', 'properties': {'price': 2}}, 'reserved'),
])
def test_invalid_objects_are_reported_and_valid_ones_still_applied(braze, array, obj, words):
    answer = post(braze, {array: [obj], 'attributes' if array != 'attributes' else 'events': [
        {'external_id': 'ok', 'name': 'e', 'time': '2024-01-01T00:00:00Z'} if array == 'attributes'
        else {'external_id': 'ok', 'plan': 'pro'}]})
    assert answer.status_code == 201
    [error] = answer.json()['errors']
    assert error['input_array'] == array and error['index'] == 0 and words in error['type']
    assert [p['external_id'] for p in braze.store.snapshot()] == ['ok']


@pytest.mark.parametrize('key, status', [(False, 401), ('nope', 401)])
def test_bad_auth_is_401(braze, key, status):
    assert post(braze, {'attributes': [{'external_id': 'u'}]}, key=key).status_code == status


def test_api_key_in_body_is_not_auth(braze):
    body = {'api_key': braze.api_key, 'attributes': [{'external_id': 'u'}]}
    assert post(braze, body, key=False).status_code == 401


def test_key_without_users_track_is_403_and_trailing_slash_is_403(braze):
    braze.add_key('export-only', ('users.export.ids',))
    assert post(braze, {'attributes': [{'external_id': 'u'}]}, key='export-only').status_code == 403
    assert post(braze, {'attributes': [{'external_id': 'u'}]}, path='/users/track/').status_code == 403


def test_content_type_parse_errors_size_and_empty_body(braze):
    assert post(braze, {}, content_type='text/plain').status_code == 415
    broken = post(braze, None, raw='{"attributes": [')
    assert broken.status_code == 400 and broken.json()['message'].startswith('Error while parsing request body')
    empty = post(braze, {'partner': 'pypestream'})
    assert (empty.status_code, empty.json()['message']) == (400, NO_VALID_DATA)
    huge = post(braze, None, raw='{"attributes": [{"external_id": "' + 'x' * (4 * 1024 * 1024) + '"}]}')
    assert huge.status_code == 413


def test_state_semantics(braze):
    post(braze, {'attributes': [{'external_id': 'u', 'city': 'Paris', 'n': {'inc': 2}, 'tags': {'add': ['a', 'b']}}]})
    post(braze, {'attributes': [{'external_id': 'u', 'city': None, 'n': {'inc': 3}, 'tags': {'remove': ['a']}}]})
    [user] = post(braze, {'external_ids': ['u']}, path='/users/export/ids').json()['users']
    assert user['custom_attributes'] == {'n': 5, 'tags': ['b']}


def test_alias_only_user_needs_update_existing_only_false(braze):
    alias = {'alias_name': 'chat-1', 'alias_label': 'pypestream'}
    post(braze, {'attributes': [{'user_alias': alias, 'first_name': 'A'}],
                 'events': [{'user_alias': alias, 'name': 'e', 'time': '2024-01-01T00:00:00Z'}]})
    assert braze.store.snapshot() == []
    post(braze, {'attributes': [{'user_alias': alias, '_update_existing_only': False}]})
    post(braze, {'events': [{'user_alias': alias, 'name': 'e', 'time': '2024-01-01T00:00:00Z'}]})
    [profile] = braze.store.snapshot()
    assert profile['aliases'] == [('chat-1', 'pypestream')] and len(profile['events']) == 1


def test_duplicate_events_are_stored_twice(braze):
    event = {'external_id': 'u', 'name': 'e', 'time': '2024-01-01T00:00:00Z'}
    post(braze, {'events': [event]})
    post(braze, {'events': [event]})
    [user] = post(braze, {'external_ids': ['u']}, path='/users/export/ids').json()['users']
    assert user['custom_events'][0]['count'] == 2


def test_rate_limit_headers_and_429():
    with local_braze.running(rate_limit=2, rate_window=30) as braze:
        first = post(braze, {'attributes': [{'external_id': 'u'}]})
        assert first.headers['X-RateLimit-Limit'] == '2' and first.headers['X-RateLimit-Remaining'] == '1'
        post(braze, {'attributes': [{'external_id': 'u'}]})
        limited = post(braze, {'attributes': [{'external_id': 'u'}]})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers['X-Ratelimit-Retry-After']) <= 30
        assert int(limited.headers['X-RateLimit-Reset']) > time.time()


def test_faults_are_served_in_order(braze):
    braze.faults.parse('503x2')
    braze.faults.parse('garbage:200')
    braze.faults.parse('drop')
    body = {'attributes': [{'external_id': 'u'}]}
    assert [post(braze, body).status_code for _ in range(3)] == [503, 503, 200]
    with pytest.raises(requests.exceptions.ConnectionError):
        post(braze, body)
    assert post(braze, body).status_code == 201
    assert len(braze.store.snapshot()) == 1


def test_keep_alive_and_tcp_nodelay(braze):
    session = requests.Session()
    for _ in range(5):
        session.post(braze.url + '/users/track', json={'attributes': [{'external_id': 'u'}]},
                     headers={'Authorization': 'Bearer ' + braze.api_key}, timeout=5)
    # One connection reused for all calls, and Nagle off on it (without TCP_NODELAY each
    # keep-alive answer would stall ~40 ms on delayed ACKs).
    assert braze.connections == [True]


def test_command_line_serves_and_injects_faults():
    port = free_port()
    process = subprocess.Popen([sys.executable, '-m', 'local_braze', '--port', str(port), '--api-key', 'cli-key',
                                '--fault', '502'], stdout=subprocess.PIPE, text=True,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        assert process.stdout.readline().strip() == 'local_braze listening on http://127.0.0.1:{}'.format(port)
        url = 'http://127.0.0.1:{}/users/track'.format(port)
        headers = {'Authorization': 'Bearer cli-key'}
        assert requests.post(url, json={'attributes': [{'external_id': 'u'}]}, headers=headers, timeout=5).status_code == 502
        assert requests.post(url, json={'attributes': [{'external_id': 'u'}]}, headers=headers, timeout=5).status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=5)
