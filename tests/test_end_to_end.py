# -*- coding: utf-8 -*-
"""The node against the local_braze emulator over real loopback HTTP."""
import time

import pytest
import requests

import local_braze
from support import BrazeUserTrack, FakeClock, SANDBOX, SEED_PAYLOAD, app, assert_no_key, free_port


@pytest.fixture
def wall():
    """A wall clock shared by the node's sleeper and the emulator's rate limiter: no real waits."""
    return FakeClock(start=2000000000.0)


@pytest.fixture
def braze(wall, monkeypatch):
    with local_braze.running(rate_clock=wall) as emulator:
        block = {'braze_url': emulator.url, 'braze_api_key': emulator.api_key, 'braze_user_track': 'users/track',
                 'braze_deadline': '2', 'braze_read_timeout': '1'}
        monkeypatch.setattr(app, 'PARAMS', {'sandbox': block})
        emulator.block = block
        yield emulator


@pytest.fixture
def node(wall):
    return BrazeUserTrack(sleep=wall.sleep, wall=wall)


def export(braze, **query):
    answer = requests.post(braze.url + '/users/export/ids', json=query,
                           headers={'Authorization': 'Bearer ' + braze.api_key}, timeout=5)
    assert answer.status_code == 201
    return answer.json()['users']


def run(node, logs, payload=None, braze=None):
    result = node.execute(logs, dict(SEED_PAYLOAD) if payload is None else payload, dict(SANDBOX))
    if braze is not None:
        assert_no_key(logs, braze.api_key)
    return result


def test_seed_payload_is_recorded_and_reads_back(braze, node, logs):
    assert run(node, logs, braze=braze) == {'success': 'true'}
    [user] = export(braze, external_ids=['user-42'])
    assert user['first_name'] == 'Ada' and user['email'] == 'ada.lovelace@example.com'
    assert user['dob'] == '1985-12-10' and user['home_city'] == 'London'
    assert user['custom_attributes'] == {'operating_system': 'iOS'}
    assert user['custom_events'] == [{'name': 'chat_completed', 'first': '2024-03-01T10:15:00+00:00',
                                      'last': '2024-03-01T10:15:00+00:00', 'count': 1}]


def test_null_unsets_and_inc_adds(braze, node, logs):
    run(node, logs, {'external_id': 'u', 'attributes': {'home_city': 'Paris', 'visits': {'inc': 2}}})
    run(node, logs, {'external_id': 'u', 'attributes': {'home_city': None, 'visits': {'inc': 1}}})
    [user] = export(braze, external_ids=['u'])
    assert 'home_city' not in user and user['custom_attributes'] == {'visits': 3}


def test_partial_rejection_keeps_the_valid_objects(braze, node, logs):
    payload = {'external_id': 'u', 'attributes': {'email': 'ada@localhost', 'plan': 'pro'},
               'events': [{'name': 'ok'}]}
    result = run(node, logs, payload)
    assert result['BRAZE_ERROR'] == 'rejected'
    assert result['BRAZE_REJECTED'] == "attributes: The value provided for the 'email' field is not a valid email."
    [user] = export(braze, external_ids=['u'])
    assert [e['name'] for e in user['custom_events']] == ['ok']


def test_wrong_key_is_unauthorized_and_the_key_is_not_logged(braze, node, logs):
    braze.block['braze_api_key'] = 'wrong-key-1234567890'
    assert run(node, logs) == {'success': 'error', 'BRAZE_ERROR': 'unauthorized'}
    assert_no_key(logs, 'wrong-key-1234567890')
    assert braze.store.snapshot() == []


def test_key_without_users_track_is_forbidden(braze, node, logs):
    braze.add_key('export-only-key-0000', ('users.export.ids',))
    braze.block['braze_api_key'] = 'export-only-key-0000'
    assert run(node, logs) == {'success': 'error', 'BRAZE_ERROR': 'forbidden'}


def test_429_then_success_within_the_deadline(braze, node, wall, logs):
    braze.rate_limiter.limit, braze.rate_limiter.window = 1, 1.0
    assert run(node, logs, {'external_id': 'first', 'attributes': {'a': 1}}) == {'success': 'true'}
    assert run(node, logs, {'external_id': 'second', 'events': [{'name': 'x'}]}) == {'success': 'true'}
    assert wall.sleeps == [1.0]
    assert len(export(braze, external_ids=['second'])[0]['custom_events']) == 1


def test_429_longer_than_the_deadline_is_a_prompt_error(braze, node, wall, logs):
    braze.rate_limiter.limit, braze.rate_limiter.window = 1, 60.0
    run(node, logs, {'external_id': 'first', 'attributes': {'a': 1}})
    started = time.monotonic()
    assert run(node, logs) == {'success': 'error', 'BRAZE_ERROR': 'rate_limited'}
    assert time.monotonic() - started < 0.5
    assert wall.sleeps == []


def test_5xx_then_success_for_attributes(braze, node, wall, logs):
    braze.faults.parse('503x2')
    assert run(node, logs, {'external_id': 'u', 'attributes': {'plan': 'pro'}}) == {'success': 'true'}
    assert len(wall.sleeps) == 2
    assert export(braze, external_ids=['u'])[0]['custom_attributes'] == {'plan': 'pro'}


def test_event_after_ambiguous_5xx_is_not_duplicated(braze, node, logs):
    braze.faults.parse('500:processed')
    assert run(node, logs)['BRAZE_ERROR'] == 'unavailable'
    [user] = export(braze, external_ids=['user-42'])
    assert user['custom_events'][0]['count'] == 1
    assert len(braze.received) == 1


def test_event_after_read_timeout_is_not_duplicated(braze, node, logs):
    braze.faults.add('delay', seconds=1.5)
    assert run(node, logs)['BRAZE_ERROR'] == 'timeout'
    deadline = time.monotonic() + 3
    while not braze.store.snapshot() and time.monotonic() < deadline:
        time.sleep(0.01)
    [profile] = braze.store.snapshot()
    assert len(profile['events']) == 1


def test_hung_server_gives_an_error_within_the_deadline(braze, node, logs):
    braze.faults.add('delay', seconds=30, processed=False)
    braze.block['braze_deadline'] = '1'
    started = time.monotonic()
    result = run(node, logs, {'external_id': 'u', 'attributes': {'plan': 'pro'}})
    elapsed = time.monotonic() - started
    assert result == {'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert elapsed < 1.3


def test_dropped_connection_retries_attributes_but_not_events(braze, node, logs):
    braze.faults.parse('dropx1')
    assert run(node, logs, {'external_id': 'u', 'attributes': {'plan': 'pro'}}) == {'success': 'true'}
    braze.faults.parse('drop:processed')
    assert run(node, logs)['BRAZE_ERROR'] == 'unavailable'
    assert len(export(braze, external_ids=['user-42'])[0]['custom_events']) == 1


def test_refused_connection_is_retried_then_unavailable(braze, node, wall, logs):
    braze.block['braze_url'] = 'http://127.0.0.1:{}'.format(free_port())
    assert run(node, logs) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(wall.sleeps) == 2  # refused: nothing was sent, so even an event is retried


def test_200_objects_go_in_requests_of_at_most_75(braze, node, logs):
    events = [{'name': 'step', 'properties': {'n': n}} for n in range(200)]
    assert run(node, logs, {'external_id': 'u', 'events': events}) == {'success': 'true'}
    assert [len(body['events']) for body in braze.received] == [75, 75, 50]
    [profile] = braze.store.snapshot()
    assert [e['properties']['n'] for e in profile['events']] == list(range(200))


def test_alias_only_chat_user_is_created(braze, node, logs):
    payload = {'user_alias': {'alias_name': 'chat-9', 'alias_label': 'pypestream_chat_id'},
               'events': [{'name': 'chat_started'}]}
    assert run(node, logs, payload) == {'success': 'true'}
    [user] = export(braze, user_aliases=[{'alias_name': 'chat-9', 'alias_label': 'pypestream_chat_id'}])
    assert user['custom_events'][0]['name'] == 'chat_started'
