# -*- coding: utf-8 -*-
"""BrazeUserLookup, BrazeUserIdentify and the two trigger nodes against local_braze over HTTP."""
import json

import pytest
import requests
import responses

from support import (shown, EXPORT_URL, NODES, REASONS, SANDBOX, URL, BrazeCampaignTrigger, BrazeCanvasTrigger,
                     BrazeUserIdentify, BrazeUserLookup, BrazeUserTrack, export)

ALIAS = {'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}


def track(on_emulator, logs, payload):
    assert on_emulator(BrazeUserTrack).execute(logs, payload, dict(SANDBOX))['success'] == 'true'


def sends(braze):
    return requests.get(braze.url + '/_local/sends', timeout=5).json()


# --- BrazeUserLookup ------------------------------------------------------------------------------

def test_lookup_fills_the_seed_globals_and_blanks_what_the_profile_lacks(braze, on_emulator, logs):
    track(on_emulator, logs, {'external_id': 'c', 'attributes': {'first_name': 'Ada', 'email': 'ada@example.com'}})
    result = on_emulator(BrazeUserLookup).execute(logs, {'USER_ID': 'c'}, dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'FIRST_NAME': 'Ada', 'LAST_NAME': '', 'EMAIL_ADDRESS': 'ada@example.com',
                      'DATE_OF_BIRTH': '', 'CITY_OF_RESIDENCE': '', 'BRAZE_ID': braze.profiles()[0]['braze_id'],
                      'BRAZE_EXTERNAL_ID': 'c'}
    assert 'ada' not in logs.text().lower()


def test_lookup_maps_paths_and_writes_every_value_as_text(braze, on_emulator, logs):
    track(on_emulator, logs, {'external_id': 'c', 'attributes': {'loyalty_tier': 'gold', 'vip': True, 'score': 4.5,
                                                          'tags': ['a', 'b'], 'profile': {'since': 2019}},
                       'events': [{'name': 'order_placed', 'time': '2024-01-02T00:00:00Z'},
                                  {'name': 'order_placed', 'time': '2024-03-04T00:00:00Z'}],
                       'purchases': [{'product_id': 'plan-pro', 'currency': 'USD', 'price': 9}]})
    globals_ = {'TIER': 'custom_attributes.loyalty_tier', 'VIP': 'custom_attributes.vip',
                'SCORE': 'custom_attributes.score', 'TAGS': 'custom_attributes.tags',
                'SINCE': 'custom_attributes.profile.since', 'PROFILE': 'custom_attributes.profile',
                'ORDERS': 'custom_events.order_placed.count', 'LAST_ORDER_AT': 'custom_events.order_placed.last',
                'PLAN_PURCHASES': 'purchases.plan-pro.count', 'REFUNDS': 'custom_events.refund.count',
                'LAST_REFUND_AT': 'custom_events.refund.last', 'CITY': 'home_city'}
    result = on_emulator(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': globals_}, dict(SANDBOX))
    assert shown(result) == dict(success='true', TIER='gold', VIP='true', SCORE='4.5', TAGS='["a","b"]', SINCE='2019',
                          PROFILE='{"since":2019}', ORDERS='2', LAST_ORDER_AT='2024-03-04T00:00:00.000Z',
                          PLAN_PURCHASES='1', REFUNDS='0', LAST_REFUND_AT='', CITY='',
                          BRAZE_ID=result['BRAZE_ID'], BRAZE_EXTERNAL_ID='c')
    [(path, body)] = [r for r in braze.requests if r[0] == '/users/export/ids']
    assert sorted(body['fields_to_export']) == ['braze_id', 'custom_attributes', 'custom_events', 'external_id',
                                                'home_city', 'purchases']


def test_not_found_and_multiple_blank_every_mapped_global(braze, on_emulator, logs):
    track(on_emulator, logs, {'external_id': 'a', 'attributes': {'email': 'same@example.com'}})
    track(on_emulator, logs, {'external_id': 'b', 'attributes': {'email': 'same@example.com'}})
    payload = {'globals': {'TIER': 'custom_attributes.tier'}}
    assert shown(on_emulator(BrazeUserLookup).execute(logs, dict(payload, external_id='nobody'), dict(SANDBOX))) == {
        'success': 'not_found', 'TIER': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': ''}
    assert shown(on_emulator(BrazeUserLookup).execute(logs, dict(payload, email='Same@Example.com'), dict(SANDBOX))) == {
        'success': 'multiple', 'TIER': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': ''}


@pytest.mark.parametrize('payload', [
    {'external_id': 'a', 'email': 'a@b.example'},
    {'external_id': 'a', 'globals': {'lower': 'first_name'}},
    {'external_id': 'a', 'globals': {'X': 'campaigns_received'}},
    {'external_id': 'a', 'globals': {'X': 'custom_events.order'}},
    {'external_id': 'a', 'globals': []},
    {},
])
def test_unusable_lookups_are_invalid_input_and_send_nothing(braze, on_emulator, logs, payload):
    result = on_emulator(BrazeUserLookup).execute(logs, payload, dict(SANDBOX))
    assert result['success'] == 'error' and result['BRAZE_ERROR'] == 'invalid_input'
    assert braze.requests == []


def test_an_error_blanks_the_mapped_globals_too(braze, on_emulator, logs):
    braze.add_key('track-only-key-000000', ['users.track'])
    braze.block['braze_api_key'] = 'track-only-key-000000'
    result = on_emulator(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {'TIER': 'custom_attributes.t'}},
                                           dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'TIER': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '',
                      'BRAZE_ERROR': 'forbidden'}
    assert 'users.export.ids permission' in logs[-1]


def test_lookup_retries_like_a_read(mocked, params, make, logs, clock):
    mocked.add(responses.POST, EXPORT_URL, status=503, body='down')
    mocked.add(responses.POST, EXPORT_URL, body=requests.exceptions.ReadTimeout('slow'))
    mocked.add(responses.POST, EXPORT_URL, status=201, json={'users': [{'external_id': 'c', 'braze_id': 'b1',
                                                                        'first_name': 'Ada'}], 'message': 'success'})
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c'}, dict(SANDBOX))
    assert result['success'] == 'true' and result['FIRST_NAME'] == 'Ada'
    assert len(mocked.calls) == 3 and len(clock.sleeps) == 2


# --- BrazeUserIdentify ----------------------------------------------------------------------------

def anonymous_chat(on_emulator, logs, alias=ALIAS):
    track(on_emulator, logs, {'user_alias': alias, 'attributes': {'chat_topic': 'billing'},
                       'events': [{'name': 'chat_started'}]})


def identify(on_emulator, logs, payload, context=None):
    return on_emulator(BrazeUserIdentify).execute(logs, payload, dict(SANDBOX, **(context or {})))


def test_an_unknown_customer_is_identified_and_a_second_call_is_harmless(braze, on_emulator, logs):
    anonymous_chat(on_emulator, logs)
    assert shown(identify(on_emulator, logs, {'external_id': 'new'})) == {'success': 'true', 'BRAZE_IDENTIFIED': 'identified'}
    [user] = export(braze, external_ids=['new'])
    assert user['custom_events'][0]['name'] == 'chat_started' and user['user_aliases'] == [ALIAS]
    assert shown(identify(on_emulator, logs, {'external_id': 'new'})) == {'success': 'true', 'BRAZE_IDENTIFIED': 'already'}
    assert len(braze.profiles()) == 1


def test_a_returning_customer_gets_the_chat_merged_in(braze, on_emulator, logs):
    old = dict(ALIAS, alias_name='chat-0')
    track(on_emulator, logs, {'external_id': 'c', 'attributes': {'first_name': 'Ada'}})
    anonymous_chat(on_emulator, logs, old)
    identify(on_emulator, logs, {'external_id': 'c'}, {'chat_id': 'chat-0'})  # an earlier chat took the label
    anonymous_chat(on_emulator, logs)
    assert shown(identify(on_emulator, logs, {'external_id': 'c'})) == {'success': 'true', 'BRAZE_IDENTIFIED': 'merged'}
    [user] = export(braze, external_ids=['c'])
    assert user['custom_events'][0]['count'] == 2 and user['custom_attributes']['chat_topic'] == 'billing'
    assert len(braze.profiles()) == 1  # /users/identify would have left the second chat apart
    assert 'asynchronously' in logs[-1]


def test_a_known_customer_without_a_chat_profile_gets_the_alias(braze, on_emulator, logs):
    track(on_emulator, logs, {'external_id': 'c', 'attributes': {'plan': 'pro'}})
    assert shown(identify(on_emulator, logs, {'external_id': 'c'})) == {'success': 'true', 'BRAZE_IDENTIFIED': 'aliased'}
    track(on_emulator, logs, {'user_alias': ALIAS, 'update_existing_only': True, 'events': [{'name': 'later'}]})
    assert export(braze, external_ids=['c'])[0]['custom_events'][0]['name'] == 'later'


def test_nothing_to_join_creates_nothing(braze, on_emulator, logs):
    assert shown(identify(on_emulator, logs, {'external_id': 'nobody'})) == {'success': 'true', 'BRAZE_IDENTIFIED': 'none'}
    assert braze.profiles() == []


def test_an_alias_of_another_customer_is_a_conflict_and_nothing_changes(braze, on_emulator, logs):
    anonymous_chat(on_emulator, logs)
    identify(on_emulator, logs, {'external_id': 'first'})
    before = braze.profiles()
    assert shown(identify(on_emulator, logs, {'external_id': 'second'})) == {'success': 'error', 'BRAZE_IDENTIFIED': '',
                                                              'BRAZE_ERROR': 'conflict'}
    assert braze.profiles() == before


@pytest.mark.emulator(identity_delay=0.2)
def test_identify_does_not_assume_braze_applied_it_yet(braze, on_emulator, logs):
    anonymous_chat(on_emulator, logs)
    assert identify(on_emulator, logs, {'external_id': 'c'})['BRAZE_IDENTIFIED'] == 'identified'
    second = identify(on_emulator, logs, {'external_id': 'c'})  # still pending in Braze: asked again, harmlessly
    assert shown(second) == {'success': 'true', 'BRAZE_IDENTIFIED': 'identified'}


@pytest.mark.parametrize('payload, context', [({}, {}), ({'external_id': 'c'}, {'chat_id': None}),
                                              ({'external_id': 'c', 'user_alias': 'x'}, {})])
def test_identify_needs_a_customer_and_an_alias(braze, on_emulator, logs, payload, context):
    assert identify(on_emulator, logs, payload, context)['BRAZE_ERROR'] == 'invalid_input'


# --- BrazeCanvasTrigger / BrazeCampaignTrigger ----------------------------------------------------

def test_a_canvas_is_named_in_the_flow_and_found_in_the_environment(braze, on_emulator, logs):
    braze.block['braze_canvases'] = json.dumps({'welcome_back': 'canvas-sandbox-1'})
    track(on_emulator, logs, {'external_id': 'c'})
    payload = {'canvas': 'welcome_back', 'external_id': 'c', 'entry_properties': {'topic': '{INTENT}'},
               'attributes': {'first_name': 'Ada'}}
    result = on_emulator(BrazeCanvasTrigger).execute(logs, payload, dict(SANDBOX, INTENT='billing'))
    assert shown(result) == {'success': 'true', 'BRAZE_DISPATCH_ID': sends(braze)[0]['dispatch_id']}
    assert sends(braze) == [{'endpoint': '/canvas/trigger/send', 'canvas_id': 'canvas-sandbox-1',
                             'dispatch_id': result['BRAZE_DISPATCH_ID'], 'recipient': {'external_user_id': 'c'},
                             'properties': {'topic': 'billing'}}]
    assert export(braze, external_ids=['c'])[0]['first_name'] == 'Ada'  # applied before the send
    [(_, body)] = [r for r in braze.requests if r[0] == '/canvas/trigger/send']
    assert body['broadcast'] is False and len(body['recipients']) == 1
    assert body['context'] == {'topic': 'billing'} and 'canvas_entry_properties' not in body  # today's page


@pytest.mark.parametrize('name', ['entry_properties', 'canvas_entry_properties', 'context'])
def test_canvas_properties_are_read_under_any_of_their_names_and_sent_as_context(mocked_canvas, on_emulator, logs, name):
    result = on_emulator(BrazeCanvasTrigger).execute(logs, {'canvas_id': 'cv', 'external_id': 'c', name: {'a': 1}},
                                              dict(SANDBOX))
    assert result['success'] == 'true'
    assert json.loads(mocked_canvas.calls[0].request.body)['context'] == {'a': 1}


def test_canvas_properties_given_twice_are_invalid_input(mocked_canvas, on_emulator, logs):
    payload = {'canvas_id': 'cv', 'external_id': 'c', 'entry_properties': {'a': 1}, 'context': {'a': 2}}
    result = on_emulator(BrazeCanvasTrigger).execute(logs, payload, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and len(mocked_canvas.calls) == 0


@pytest.fixture
def mocked_canvas(mocked, params):
    mocked.add(responses.POST, URL + '/canvas/trigger/send', status=201,
               body=json.dumps({'dispatch_id': '0' * 32, 'message': 'success'}))
    return mocked


def test_a_campaign_by_id_to_an_alias(braze, on_emulator, logs):
    anonymous_chat(on_emulator, logs)
    result = on_emulator(BrazeCampaignTrigger).execute(logs, {'campaign_id': 'cmp-1', 'user_alias': ALIAS,
                                                       'trigger_properties': {'n': 1}}, dict(SANDBOX))
    assert result['success'] == 'true'
    assert sends(braze)[0]['recipient'] == {'user_alias': ALIAS} and sends(braze)[0]['properties'] == {'n': 1}


@pytest.mark.parametrize('extra', [{'broadcast': True}, {'broadcast': 'yes'}, {'recipients': [{'external_user_id': 'x'}]},
                                   {'audience': {'AND': []}}, {'user_alias': ALIAS},
                                   {'send_to_existing_only': False},
                                   {'entry_properties': {'k{}'.format(n): 'v' * 200 for n in range(300)}}])
def test_anything_beyond_one_recipient_is_refused_and_nothing_is_sent(braze, on_emulator, logs, extra):
    payload = dict({'canvas_id': 'cv', 'external_id': 'c'}, **extra)
    result = on_emulator(BrazeCanvasTrigger).execute(logs, payload, dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'}
    assert braze.requests == []


def test_broadcast_false_is_accepted(braze, on_emulator, logs):
    track(on_emulator, logs, {'external_id': 'c'})
    result = on_emulator(BrazeCanvasTrigger).execute(logs, {'canvas_id': 'cv', 'external_id': 'c', 'broadcast': False},
                                              dict(SANDBOX))
    assert result['success'] == 'true'


def test_an_unknown_canvas_name_is_a_config_error(braze, on_emulator, logs):
    result = on_emulator(BrazeCanvasTrigger).execute(logs, {'canvas': 'nope', 'external_id': 'c'}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'config' and braze.requests == []


def test_a_send_that_may_have_reached_braze_is_never_repeated(braze, on_emulator, logs):
    track(on_emulator, logs, {'external_id': 'c'})
    braze.faults.parse('503:processed')
    result = on_emulator(BrazeCanvasTrigger).execute(logs, {'canvas_id': 'cv', 'external_id': 'c'}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable' and len(sends(braze)) == 1
    assert 'not resent' in logs[-1]


@pytest.mark.parametrize('fault', ['502', '429'])
def test_a_send_braze_never_received_is_retried(braze, on_emulator, logs, wall, fault):
    track(on_emulator, logs, {'external_id': 'c'})
    if fault == '429':
        braze.rate_limiter.limit, braze.rate_limiter.window = 1, 1.0
        requests.post(braze.url + '/campaigns/trigger/send', json={},  # refused, but it spends the window
                      headers={'Authorization': 'Bearer ' + braze.api_key}, timeout=5)
    else:
        braze.faults.parse(fault)
    result = on_emulator(BrazeCampaignTrigger).execute(logs, {'campaign_id': 'cp', 'external_id': 'c'}, dict(SANDBOX))
    assert result['success'] == 'true' and len(sends(braze)) == 1 and len(wall.sleeps) == 1


# --- every on_emulator, alike ------------------------------------------------------------------------------

@pytest.mark.parametrize('node_class', NODES)
@pytest.mark.parametrize('payload', [None, 'garbage', {'external_id': object()}, {'external_id': 'c', 'canvas_id': 'x',
                                                                                 'campaign_id': 'y'}])
@pytest.mark.parametrize('context', [None, {'env': 'nowhere'}, dict(SANDBOX)])
def test_every_node_answers_strings_with_success_first_and_never_raises(braze, on_emulator, logs, node_class, payload,
                                                                         context):
    result = on_emulator(node_class).execute(logs, payload, context)
    assert list(result)[0] == 'success' and all(isinstance(v, str) for v in result.values())
    assert (result.get('BRAZE_ERROR') or 'config') in REASONS and result.get('BRAZE_ERROR') != 'internal'
