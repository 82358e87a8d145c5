# -*- coding: utf-8 -*-
"""BrazeUserTrack against the local_braze emulator over real loopback HTTP."""
import time

import pytest

from support import shown, SANDBOX, SEED_PAYLOAD, BrazeUserTrack, assert_no_key, export, free_port


def run(node, logs, payload=None, braze=None):
    result = node.execute(logs, dict(SEED_PAYLOAD) if payload is None else payload, dict(SANDBOX))
    if braze is not None:
        assert_no_key(logs, braze.api_key)
    return result


def test_seed_payload_is_recorded_and_reads_back(braze, node, logs):
    assert shown(run(node, logs, braze=braze)) == {'success': 'true'}
    [user] = export(braze, external_ids=['user-42'])
    assert user['first_name'] == 'Ada' and user['email'] == 'ada.lovelace@example.com'
    assert user['dob'] == '1985-12-10' and user['home_city'] == 'London'
    assert user['custom_attributes'] == {'operating_system': 'iOS'}
    assert user['custom_events'] == [{'name': 'chat_completed', 'first': '2024-03-01T10:15:00.000Z',
                                      'last': '2024-03-01T10:15:00.000Z', 'count': 1}]


def test_null_unsets_and_inc_adds(braze, node, logs):
    run(node, logs, {'external_id': 'u', 'attributes': {'home_city': 'Paris', 'visits': {'inc': 2}}})
    run(node, logs, {'external_id': 'u', 'attributes': {'home_city': None, 'visits': {'inc': 1}}})
    [user] = export(braze, external_ids=['u'])
    assert 'home_city' not in user and user['custom_attributes'] == {'visits': 3}


def test_update_only_mode_creates_no_profile_even_from_events(braze, node, logs):
    payload = {'external_id': 'stranger', 'update_existing_only': True, 'events': [{'name': 'chat_completed'}],
               'purchases': [{'product_id': 'p', 'currency': 'USD', 'price': 1}]}
    assert shown(run(node, logs, payload)) == {'success': 'true'}
    assert export(braze, external_ids=['stranger']) == []
    run(node, logs, {'external_id': 'stranger', 'attributes': {'plan': 'pro'}})
    assert shown(run(node, logs, payload)) == {'success': 'true'}
    [user] = export(braze, external_ids=['stranger'])
    assert user['custom_events'][0]['count'] == 1 and user['purchases'][0]['count'] == 1


def test_nested_attributes_and_arrays_of_objects_land(braze, node, logs):
    run(node, logs, {'external_id': 'u', 'attributes': {'pets': [{'id': 1, 'name': 'Gus'}, {'id': 2, 'name': 'Ger'}],
                                                        'song': {'name': 'Solea', 'plays': {'count': 1}}}})
    run(node, logs, {'external_id': 'u', 'merge_objects': True, 'attributes': {
        'pets': {'$update': [{'$identifier_key': 'id', '$identifier_value': 2, '$new_object': {'age': 3}}]},
        'song': {'plays': {'top': True}, 'year': {'$time': '1960-01-01'}}}})
    run(node, logs, {'external_id': 'u', 'attributes': {'pets': {'$remove': [{'$identifier_key': 'id',
                                                                              '$identifier_value': 1}]}}})
    attributes = export(braze, external_ids=['u'])[0]['custom_attributes']
    assert attributes['pets'] == [{'id': 2, 'name': 'Ger', 'age': 3}]
    assert attributes['song'] == {'name': 'Solea', 'plays': {'count': 1, 'top': True},
                                  'year': '1960-01-01T00:00:00+00:00'}


def test_one_bad_nested_value_does_not_cost_the_others(braze, node, logs):
    result = run(node, logs, {'external_id': 'u', 'attributes': {'good': {'tier': 'gold'}, 'bad': {'a b': 1}}})
    assert shown(result) == {'success': 'true', 'BRAZE_DROPPED': 'attributes.bad'}
    assert export(braze, external_ids=['u'])[0]['custom_attributes'] == {'good': {'tier': 'gold'}}


def test_partial_rejection_keeps_the_valid_objects(braze, node, logs):
    payload = {'external_id': 'u', 'attributes': {'email': 'ada@localhost', 'plan': 'pro'}, 'events': [{'name': 'ok'}]}
    result = run(node, logs, payload)
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'rejected',
                      'BRAZE_REJECTED': "attributes: The value provided for the 'email' field is not a valid email."}
    assert [e['name'] for e in export(braze, external_ids=['u'])[0]['custom_events']] == ['ok']


def test_a_request_braze_refuses_whole_still_names_the_refused_input(braze, node, logs):
    result = run(node, logs, {'external_id': 'u', 'attributes': {'email': 'ada@localhost'}})
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'bad_request',
                      'BRAZE_REJECTED': "attributes: The value provided for the 'email' field is not a valid email."}


def test_email_wins_over_phone_and_the_phone_is_normalised(braze, node, logs):
    assert shown(run(node, logs, {'email': 'Ada@Example.com', 'phone': '+1 (555) 123-4567'})) == {'success': 'true'}
    [user] = [u for u in braze.profiles() if u.get('email') == 'ada@example.com']
    assert user['phone'] == '+15551234567'


def test_wrong_key_is_unauthorized_and_the_key_is_not_logged(braze, node, logs):
    braze.block['braze_api_key'] = 'wrong-key-1234567890'
    assert shown(run(node, logs)) == {'success': 'error', 'BRAZE_ERROR': 'unauthorized'}
    assert_no_key(logs, 'wrong-key-1234567890')
    assert braze.profiles() == []


def test_key_without_users_track_is_forbidden(braze, node, logs):
    braze.add_key('export-only-key-0000', ('users.export.ids',))
    braze.block['braze_api_key'] = 'export-only-key-0000'
    assert shown(run(node, logs)) == {'success': 'error', 'BRAZE_ERROR': 'forbidden'}
    assert 'users.track permission' in logs[-1]


def test_429_then_success_within_the_deadline(braze, node, wall, logs):
    braze.rate_limiter.limit, braze.rate_limiter.window = 1, 1.0
    assert shown(run(node, logs, {'external_id': 'first', 'attributes': {'a': 1}})) == {'success': 'true'}
    assert shown(run(node, logs, {'external_id': 'second', 'events': [{'name': 'x'}]})) == {'success': 'true'}
    assert wall.sleeps == [1.0]  # X-RateLimit-Reset, Braze's documented header
    assert len(export(braze, external_ids=['second'])[0]['custom_events']) == 1


def test_429_longer_than_the_deadline_is_a_prompt_error(braze, node, wall, logs):
    braze.rate_limiter.limit, braze.rate_limiter.window = 1, 60.0
    run(node, logs, {'external_id': 'first', 'attributes': {'a': 1}})
    started = time.monotonic()
    assert shown(run(node, logs)) == {'success': 'error', 'BRAZE_ERROR': 'rate_limited'}
    assert time.monotonic() - started < 0.5 and wall.sleeps == []


def test_5xx_then_success_for_attributes(braze, node, wall, logs):
    braze.faults.parse('503x2')
    assert shown(run(node, logs, {'external_id': 'u', 'attributes': {'plan': 'pro'}})) == {'success': 'true'}
    assert len(wall.sleeps) == 2
    assert export(braze, external_ids=['u'])[0]['custom_attributes'] == {'plan': 'pro'}


def test_event_after_a_502_is_resent_and_stored_once(braze, node, logs):
    braze.faults.parse('502')
    assert shown(run(node, logs)) == {'success': 'true'}
    assert export(braze, external_ids=['user-42'])[0]['custom_events'][0]['count'] == 1


@pytest.mark.parametrize('fault', ['500:processed', '503:processed', '504:processed'])
def test_event_after_an_ambiguous_5xx_is_not_duplicated(braze, node, logs, fault):
    braze.faults.parse(fault)
    assert run(node, logs)['BRAZE_ERROR'] == 'unavailable'
    assert export(braze, external_ids=['user-42'])[0]['custom_events'][0]['count'] == 1
    assert len(braze.received) == 1


def test_event_after_read_timeout_is_not_duplicated(braze, node, logs):
    braze.faults.add('delay', seconds=1.5)
    assert run(node, logs)['BRAZE_ERROR'] == 'timeout'
    deadline = time.monotonic() + 3
    while not braze.profiles() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert braze.profiles()[0]['custom_events'][0]['count'] == 1


def test_hung_server_gives_an_error_within_the_deadline(braze, node, logs):
    braze.faults.add('delay', seconds=30, processed=False)
    braze.block['braze_deadline'] = '1'
    started = time.monotonic()
    assert shown(run(node, logs, {'external_id': 'u', 'attributes': {'plan': 'pro'}})) == {
        'success': 'error', 'BRAZE_ERROR': 'timeout'}
    assert time.monotonic() - started < 1.3


def test_dropped_connection_retries_attributes_but_not_events(braze, node, logs):
    braze.faults.parse('dropx1')
    assert shown(run(node, logs, {'external_id': 'u', 'attributes': {'plan': 'pro'}})) == {'success': 'true'}
    braze.faults.parse('drop:processed')
    assert run(node, logs)['BRAZE_ERROR'] == 'unavailable'
    assert len(export(braze, external_ids=['user-42'])[0]['custom_events']) == 1


def test_refused_connection_is_retried_then_unavailable(braze, node, wall, logs):
    braze.block['braze_url'] = 'http://127.0.0.1:{}'.format(free_port())
    assert shown(run(node, logs)) == {'success': 'error', 'BRAZE_ERROR': 'unavailable'}
    assert len(wall.sleeps) == 2  # refused: nothing was sent, so even an event is retried


def test_200_objects_go_in_requests_of_at_most_75(braze, node, logs):
    assert shown(run(node, logs, {'external_id': 'u', 'events': [{'name': 'step', 'properties': {'n': n}}
                                                                 for n in range(200)]})) == {'success': 'true'}
    assert [len(body['events']) for body in braze.received] == [75, 75, 50]
    assert export(braze, external_ids=['u'])[0]['custom_events'][0]['count'] == 200


@pytest.mark.emulator(contract='mau')
def test_the_default_split_is_valid_on_a_mau_contract(braze, node, logs):
    payload = {'external_id': 'u', 'attributes': {'plan': 'pro'}, 'events': [{'name': 'e'}] * 80,
               'purchases': [{'product_id': 'p', 'currency': 'USD', 'price': 1}] * 20}
    assert shown(run(node, logs, payload)) == {'success': 'true'}


def test_alias_only_chat_user_is_created(braze, node, logs):
    payload = {'user_alias': {'alias_name': 'chat-9', 'alias_label': 'pypestream_chat'},
               'events': [{'name': 'chat_started'}]}
    assert shown(run(node, logs, payload)) == {'success': 'true'}
    [user] = export(braze, user_aliases=[{'alias_name': 'chat-9', 'alias_label': 'pypestream_chat'}])
    assert user['custom_events'][0]['name'] == 'chat_started'
