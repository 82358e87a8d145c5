# -*- coding: utf-8 -*-
"""BrazeSubscriptionSet: the change and its proof in one /users/track request, as Braze's page shapes
them, for each form; every refusal before any network; never sent twice; against the emulator, the
state each profile holds, on the other profiles with the same email too."""
import json

import pytest
import requests
import responses

from support import (API_KEY, SANDBOX, TRACK_URL, URL, BrazeSubscriptionSet, export, request_json)

SMS = '0f9e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4'
NEWS = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d'
GROUPS = {'sms_offers': SMS, 'newsletter': NEWS}
CONSENT = {'wording': 'sms-offers-v3', 'language': 'es'}
WALL = 1700000000.0
NOW = '2023-11-14T22:13:20+00:00'
CONTEXT = dict(SANDBOX, chat_id='chat-77')


@pytest.fixture
def groups(params):
    params['braze_subscription_groups'] = dict(GROUPS)
    return params


def call(make, logs, payload, context=CONTEXT):
    return make(BrazeSubscriptionSet).execute(logs, payload, dict(context))


def proof(**properties):
    return dict({'consent_wording': 'sms-offers-v3', 'consent_language': 'es', 'channel': 'pypestream_chat',
                 'chat_id': 'chat-77'}, **properties)


FORMS = {
    'sms double opt-in': (
        {'group': 'sms_offers', 'state': 'subscribed', 'double_opt_in': True, 'external_id': 'c-1', 'consent': CONSENT},
        {'external_id': 'c-1', 'subscription_groups': [{'subscription_group_id': SMS, 'subscription_state': 'subscribed',
                                                        'use_double_opt_in_logic': True}]},
        proof(double_opt_in=True, subscription_group='sms_offers', subscription_state='subscribed')),
    'unsubscribe': (
        {'group': 'newsletter', 'state': 'Unsubscribed', 'external_id': '{USER_ID}', 'USER_ID': 'c-2',
         'consent': {'wording': 'stop-emails-v1'}},
        {'external_id': 'c-2', 'subscription_groups': [{'subscription_group_id': NEWS,
                                                        'subscription_state': 'unsubscribed'}]},
        {'subscription_group': 'newsletter', 'subscription_state': 'unsubscribed', 'consent_wording': 'stop-emails-v1',
         'channel': 'pypestream_chat', 'chat_id': 'chat-77'}),
    'email only, USER_ID by default': (
        {'email_subscribe': 'opted_in', 'USER_ID': 'c-3', 'consent': CONSENT},
        {'external_id': 'c-3', 'email_subscribe': 'opted_in'},
        proof(email_subscribe='opted_in')),
    'group and push': (
        {'group': 'sms_offers', 'state': 'subscribed', 'push_subscribe': 'unsubscribed', 'external_id': 'c-4',
         'consent': CONSENT, 'event': 'chat_consent'},
        {'external_id': 'c-4', 'push_subscribe': 'unsubscribed',
         'subscription_groups': [{'subscription_group_id': SMS, 'subscription_state': 'subscribed'}]},
        proof(push_subscribe='unsubscribed', subscription_group='sms_offers', subscription_state='subscribed')),
    'anonymous chat': (
        {'group': 'sms_offers', 'state': 'subscribed', 'user_alias': {'alias_name': 'chat-77',
                                                                      'alias_label': 'pypestream_chat'},
         'consent': CONSENT},
        {'user_alias': {'alias_name': 'chat-77', 'alias_label': 'pypestream_chat'}, '_update_existing_only': False,
         'subscription_groups': [{'subscription_group_id': SMS, 'subscription_state': 'subscribed'}]},
        proof(subscription_group='sms_offers', subscription_state='subscribed')),
}


@pytest.mark.parametrize('form', sorted(FORMS))
def test_each_form_sends_the_change_and_its_proof_in_one_request(mocked, groups, make, logs, form):
    payload, attributes, properties = FORMS[form]
    mocked.add(responses.POST, TRACK_URL, json={'message': 'success', 'attributes_processed': 1,
                                                'events_processed': 1}, status=201)
    result = call(make, logs, dict(payload))
    assert result == {'success': 'true', 'BRAZE_REJECTED': '', 'BRAZE_DROPPED': '', 'BRAZE_ERROR': ''}
    [sent] = mocked.calls
    identity = {key: value for key, value in attributes.items() if key in ('external_id', 'user_alias')}
    assert request_json(sent) == {
        'attributes': [attributes],
        'events': [dict(identity, name=payload.get('event', 'consent_changed'), time=NOW, properties=properties)],
        'partner': 'pypestream'}
    assert logs[-1].startswith('BrazeSubscriptionSet: recorded status=201 attempts=1')


REFUSALS = {
    'unknown state': ({'group': 'sms_offers', 'state': 'yes', 'consent': CONSENT},
                      'invalid_input', 'state must be subscribed or unsubscribed'),
    'no state': ({'group': 'sms_offers', 'consent': CONSENT}, 'invalid_input', 'state is missing'),
    'double opt-in to unsubscribe': ({'group': 'sms_offers', 'state': 'unsubscribed', 'double_opt_in': True,
                                      'consent': CONSENT}, 'invalid_input', 'double_opt_in goes with state'),
    'no consent': ({'group': 'sms_offers', 'state': 'subscribed'}, 'invalid_input', 'is no proof'),
    'consent without wording': ({'group': 'sms_offers', 'state': 'subscribed', 'consent': {'language': 'es'}},
                                'invalid_input', 'consent.wording is missing'),
    'nothing to change': ({'consent': CONSENT}, 'invalid_input', 'nothing to change'),
    'a state without a group': ({'state': 'subscribed', 'email_subscribe': 'opted_in', 'consent': CONSENT},
                                'invalid_input', 'name the subscription group'),
    'a bad channel state': ({'email_subscribe': 'yes', 'consent': CONSENT}, 'invalid_input',
                            'email_subscribe must be opted_in, subscribed or unsubscribed'),
    'unknown group': ({'group': 'whatsapp', 'state': 'subscribed', 'consent': CONSENT}, 'config',
                      'braze_subscription_groups of this environment has no subscription group "whatsapp" (known: '
                      'newsletter, sms_offers)'),
    'no identifier': ({'group': 'sms_offers', 'state': 'subscribed', 'consent': CONSENT, 'USER_ID': None},
                      'invalid_input', 'no identifier'),
}


@pytest.mark.parametrize('case', sorted(REFUSALS))
def test_every_refusal_happens_before_any_network(mocked, groups, make, logs, case):
    payload, reason, words = REFUSALS[case]
    payload = dict({'external_id': 'c-1'}, **payload) if 'USER_ID' not in payload else payload
    result = call(make, logs, payload)
    assert result == {'success': 'error', 'BRAZE_REJECTED': '', 'BRAZE_DROPPED': '', 'BRAZE_ERROR': reason}
    assert words in logs[-1] and not mocked.calls


@pytest.mark.parametrize('group_id', ['sms-group', '0f9e2b1c3d4a4b5c8d6e7f8091a2b3c4', SMS + 'x', ''])
def test_a_group_id_that_is_not_a_uuid_is_a_config_error_naming_the_group(mocked, params, make, logs, group_id):
    params['braze_subscription_groups'] = {'sms_offers': group_id}
    result = call(make, logs, {'group': 'sms_offers', 'state': 'subscribed', 'external_id': 'c', 'consent': CONSENT})
    assert result['BRAZE_ERROR'] == 'config' and not mocked.calls
    assert 'braze_subscription_groups' in logs[-1] and ('"sms_offers"' in logs[-1] or 'must map names' in logs[-1])


def test_a_setting_written_as_a_python_dict_is_named_not_taken_for_unset(mocked, params, make, logs):
    params['braze_subscription_groups'] = "{'sms_offers': '%s'}" % SMS
    result = call(make, logs, {'group': 'sms_offers', 'state': 'subscribed', 'external_id': 'c', 'consent': CONSENT})
    assert result['BRAZE_ERROR'] == 'config' and not mocked.calls
    assert 'braze_subscription_groups is text but not a JSON object (single quotes? JSON needs double quotes)' \
        in logs[-1]


@pytest.mark.parametrize('status', [500, 503, 504])
def test_an_ambiguous_failure_is_never_sent_again(mocked, groups, make, logs, status):
    mocked.add(responses.POST, TRACK_URL, json={'message': 'oops'}, status=status)
    result = call(make, logs, {'group': 'sms_offers', 'state': 'subscribed', 'external_id': 'c', 'consent': CONSENT})
    assert result['BRAZE_ERROR'] == 'unavailable' and len(mocked.calls) == 1 and 'attempts=1' in logs[-1]


def test_a_refused_object_is_rejected_and_named(mocked, groups, make, logs):
    mocked.add(responses.POST, TRACK_URL, status=201, json={'message': 'success', 'errors': [
        {'type': 'BAD_SUBSCRIPTION_GROUP_ID', 'input_array': 'attributes', 'index': 0}]})
    result = call(make, logs, {'group': 'sms_offers', 'state': 'subscribed', 'external_id': 'c', 'consent': CONSENT})
    assert result == {'success': 'error', 'BRAZE_REJECTED': 'the subscription change: BAD_SUBSCRIPTION_GROUP_ID', 'BRAZE_DROPPED': '',
                      'BRAZE_ERROR': 'rejected'}


def test_the_identifier_is_masked_and_the_proof_holds_no_other_personal_value(mocked, groups, make, logs):
    mocked.add(responses.POST, TRACK_URL, status=401, json={'message': 'Invalid API key: c-secret-customer-9'})
    call(make, logs, {'group': 'sms_offers', 'state': 'subscribed', 'external_id': 'c-secret-customer-9',
                      'consent': CONSENT, 'first_name': 'Ana'})
    assert 'c-secret-customer-9' not in '\n'.join(logs)
    properties = request_json(mocked.calls[0])['events'][0]['properties']
    assert set(properties) == {'subscription_group', 'subscription_state', 'consent_wording', 'consent_language',
                               'channel', 'chat_id'}


# --- against the emulator -------------------------------------------------------------------------

@pytest.fixture
def emulated(braze):
    braze.block['braze_subscription_groups'] = dict(GROUPS)
    return braze


def test_the_emulator_holds_each_groups_state_and_the_proof(emulated, on_emulator, logs):
    node = on_emulator(BrazeSubscriptionSet)
    for state in ('subscribed', 'unsubscribed'):
        result = node.execute(logs, {'group': 'sms_offers', 'state': state, 'external_id': 'c-9', 'consent': CONSENT},
                              dict(CONTEXT))
        assert result['success'] == 'true', logs
    node.execute(logs, {'group': 'newsletter', 'state': 'subscribed', 'external_id': 'c-9', 'consent': CONSENT,
                        'email_subscribe': 'opted_in'}, dict(CONTEXT))
    [user] = export(emulated, external_ids=['c-9'])
    assert user['subscription_groups'] == sorted([
        {'subscription_group_id': NEWS, 'subscription_state': 'subscribed'},
        {'subscription_group_id': SMS, 'subscription_state': 'unsubscribed'}], key=lambda g: g['subscription_group_id'])
    assert user['email_subscribe'] == 'opted_in'
    assert [e['name'] for e in user['custom_events']] == ['consent_changed'] and user['custom_events'][0]['count'] == 3
    profiles = requests.get(emulated.url + '/_local/profiles', timeout=5).json()
    [shown] = [p for p in profiles if p.get('external_id') == 'c-9']
    assert shown['subscription_groups'] == user['subscription_groups']  # the export shape, in /_local/profiles too


def test_a_group_change_reaches_every_profile_with_the_same_email(emulated, on_emulator, logs):
    body = {'attributes': [{'external_id': 'a', 'email': 'same@example.com'},
                           {'external_id': 'b', 'email': 'same@example.com'}]}
    assert requests.post(emulated.url + '/users/track', json=body, timeout=5,
                         headers={'Authorization': 'Bearer ' + emulated.api_key}).status_code == 201
    result = on_emulator(BrazeSubscriptionSet).execute(
        logs, {'group': 'newsletter', 'state': 'subscribed', 'external_id': 'a', 'consent': CONSENT}, dict(CONTEXT))
    assert result['success'] == 'true'
    for user in export(emulated, external_ids=['a', 'b']):
        assert user['subscription_groups'] == [{'subscription_group_id': NEWS, 'subscription_state': 'subscribed'}]


@pytest.mark.parametrize('groups, code', [
    ([{'subscription_group_id': 'not-a-uuid', 'subscription_state': 'subscribed'}], 'BAD_SUBSCRIPTION_GROUP_ID'),
    ([{'subscription_group_id': SMS, 'subscription_state': 'yes'}], 'BAD_SUBSCRIPTION_GROUP_STATE'),
    ({'subscription_group_id': SMS, 'subscription_state': 'subscribed'}, 'BAD_SUBSCRIPTION_GROUP_ARRAY'),
    (['x'], 'BAD_SUBSCRIPTION_GROUP_HASH')])
def test_the_emulator_refuses_a_malformed_group_with_brazes_error(emulated, groups, code):
    answer = requests.post(emulated.url + '/users/track', timeout=5, headers={'Authorization': 'Bearer ' + API_KEY},
                           json={'attributes': [{'external_id': 'x', 'subscription_groups': groups}]})
    assert answer.status_code == 400
    assert answer.json()['errors'] == [{'type': code, 'input_array': 'attributes', 'index': 0}]


def test_the_request_is_what_braze_documents_and_accepts(emulated, on_emulator, logs):
    payload, _, _ = FORMS['sms double opt-in']
    result = on_emulator(BrazeSubscriptionSet).execute(logs, dict(payload), dict(CONTEXT))
    assert result == {'success': 'true', 'BRAZE_REJECTED': '', 'BRAZE_DROPPED': '', 'BRAZE_ERROR': ''}
    [sent] = [json.loads(s) if isinstance(s, str) else s for s in emulated.received]
    assert set(sent) == {'attributes', 'events', 'partner'}
    assert sent['attributes'][0]['subscription_groups'][0]['use_double_opt_in_logic'] is True


# --- every refusal's exact line (what the flow developer reads in the log) -------------------------

LINE = 'BrazeSubscriptionSet: error reason=invalid_input: nothing sent: '
EXACT = [
    ({'group': 'sms_offers', 'state': 'yes', 'consent': CONSENT},
     'state must be subscribed or unsubscribed (Braze\'s words)'),
    ({'group': 'sms_offers', 'consent': CONSENT}, 'state is missing: subscribed or unsubscribed'),
    ({'group': 'sms_offers', 'state': ['subscribed'], 'consent': CONSENT}, 'state: expected text, got list'),
    ({'group': ['sms_offers'], 'state': 'subscribed', 'consent': CONSENT}, 'group: expected text, got list'),
    ({'group': 'sms_offers', 'state': 'subscribed', 'double_opt_in': 'maybe', 'consent': CONSENT},
     'double_opt_in: expected true or false'),
    ({'group': 'sms_offers', 'state': 'unsubscribed', 'double_opt_in': True, 'consent': CONSENT},
     'double_opt_in goes with state "subscribed" only (Braze applies it when an SMS group is joined)'),
    ({'double_opt_in': True, 'email_subscribe': 'opted_in', 'consent': CONSENT},
     '"state" and "double_opt_in" belong to a "group": name the subscription group'),
    ({'consent': CONSENT}, 'nothing to change: give "group" and "state", or email_subscribe / push_subscribe'),
    ({'push_subscribe': 'maybe', 'consent': CONSENT},
     'push_subscribe must be opted_in, subscribed or unsubscribed (Braze\'s words)'),
    ({'push_subscribe': 'opted_in'}, 'consent must be {"wording": "<id of the words shown>", "language": "es"}: a '
                                     'record that cannot say what was shown is no proof'),
    ({'push_subscribe': 'opted_in', 'consent': 'sms-offers-v3'},
     'consent must be {"wording": "<id of the words shown>", "language": "es"}: a record that cannot say what was '
     'shown is no proof'),
    ({'push_subscribe': 'opted_in', 'consent': {'wording': ' '}},
     'consent.wording is missing: the id of the words the customer was shown (a record that cannot say what was '
     'shown is no proof)'),
    ({'push_subscribe': 'opted_in', 'consent': {'wording': 'w', 'language': ['es']}},
     'consent.language: expected text, got list'),
    ({'push_subscribe': 'opted_in', 'consent': {'wording': 'w'}, 'event': ['x']}, 'event: expected text, got list'),
]


@pytest.mark.parametrize('payload, words', EXACT, ids=[words[:40] for _, words in EXACT])
def test_each_refusal_has_its_exact_line(mocked, groups, make, logs, payload, words):
    result = call(make, logs, dict(payload, external_id='c'))
    assert result['BRAZE_ERROR'] == 'invalid_input' and not mocked.calls
    assert logs[-1] == LINE + words


def test_consent_nested_past_the_parser_is_refused_by_name(mocked, groups, make, logs):
    deep = 'w'
    for _ in range(40):
        deep = {'n': deep}
    result = call(make, logs, {'push_subscribe': 'opted_in', 'external_id': 'c', 'consent': deep})
    assert result['BRAZE_ERROR'] == 'invalid_input'
    assert logs[-1] == LINE + 'consent cannot be read: nested deeper than 16 levels'


def test_the_consent_block_may_come_from_a_global_of_the_context(mocked, groups, make, logs):
    mocked.add(responses.POST, TRACK_URL, json={'message': 'success'}, status=201)
    context = dict(CONTEXT, CONSENT_SHOWN={'wording': 'sms-offers-v3', 'language': 'es'})
    result = call(make, logs, {'push_subscribe': 'opted_in', 'external_id': 'c', 'consent': '{CONSENT_SHOWN}'},
                  context=context)
    assert result['success'] == 'true'
    assert request_json(mocked.calls[0])['events'][0]['properties']['consent_wording'] == 'sms-offers-v3'


@pytest.mark.parametrize('chat_id', [5, '  ', None])
def test_a_chat_id_that_is_not_text_is_left_out_of_the_proof(mocked, groups, make, logs, chat_id):
    mocked.add(responses.POST, TRACK_URL, json={'message': 'success'}, status=201)
    context = dict(SANDBOX, chat_id=chat_id)
    result = call(make, logs, {'push_subscribe': 'opted_in', 'external_id': 'c', 'consent': CONSENT}, context=context)
    assert result['success'] == 'true'
    assert 'chat_id' not in request_json(mocked.calls[0])['events'][0]['properties']
