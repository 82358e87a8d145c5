# -*- coding: utf-8 -*-
"""The emulator against Braze's documented request bodies, errors, state changes and limits,
over HTTP. docs/local_braze.md lists each behaviour with its page and the test that proves it."""
import datetime
import json
import os
import re
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
EVENT = {'name': 'e', 'time': '2024-01-01T00:00:00Z'}


@pytest.fixture
def emulator(request):
    marker = request.node.get_closest_marker('emulator')
    with local_braze.running(**(marker.kwargs if marker else {})) as braze:
        yield braze


def post(braze, body, path='/users/track', key=None, content_type='application/json', raw=None):
    headers = {'Content-Type': content_type}
    if key is not False:
        headers['Authorization'] = 'Bearer ' + (key or braze.api_key)
    data = raw if raw is not None else json.dumps(body)
    return requests.post(braze.url + path, data=data, headers=headers, timeout=5)


def user(braze, external_id, **extra):
    answer = post(braze, dict({'external_ids': [external_id]}, **extra), path='/users/export/ids').json()
    return answer['users'][0] if answer['users'] else None


# --- Braze's own documented bodies -----------------------------------------------------------

@pytest.mark.parametrize('example', EXAMPLES['examples'], ids=lambda e: e['source'].split(', ')[-1])
def test_documented_track_examples_are_accepted(emulator, example):
    answer = post(emulator, example['body'])
    assert answer.status_code == 201, answer.text
    assert answer.json() == dict({'message': 'success'}, **example['expect'])


@pytest.mark.parametrize('case', EXAMPLES['invalid'], ids=lambda c: c['source'][:40])
def test_documented_invalid_cases_get_the_documented_errors(emulator, case):
    answer = post(emulator, case['body'])
    assert answer.status_code == case['status']
    assert answer.json()['message'] == case['message']
    assert answer.json().get('errors') == case['errors']


@pytest.mark.parametrize('sequence', EXAMPLES['sequences'], ids=lambda s: s['source'].split(', ')[-1][:40])
def test_documented_nested_attribute_requests_leave_the_documented_state(emulator, sequence):
    for body in sequence['requests']:
        assert post(emulator, body).status_code == 201
    profile = user(emulator, sequence.get('user', 'user_id'))
    assert profile.get('custom_attributes', {}).get(sequence['attribute']) == sequence['expect']


@pytest.mark.parametrize('example', EXAMPLES['endpoints'], ids=lambda e: e['path'] + ' ' + str(e['status']))
def test_documented_bodies_of_the_other_endpoints_get_the_documented_answers(emulator, example):
    answer = post(emulator, example['body'], path=example['path'])
    assert answer.status_code == example['status'], answer.text
    if 'answer' in example:
        assert answer.json() == example['answer']
    else:
        assert sorted(answer.json()) == sorted(example['answer_keys']) and answer.json()['message'] == 'success'


# --- /users/track limits and state --------------------------------------------------------------

def test_75_objects_combined_is_the_default_limit(emulator):
    """Braze's rate-limit page: "Up to 75 total objects combined across attributes, events, and purchases"."""
    body = {'attributes': [{'external_id': 'u{}'.format(n)} for n in range(70)],
            'events': [dict(EVENT, external_id='u')] * 5}
    assert post(emulator, body).status_code == 201
    body['events'].append(dict(EVENT, external_id='u'))
    assert (post(emulator, body).status_code, post(emulator, body).json()) == (
        400, {'message': 'Max Input Length Exceeded'})


@pytest.mark.emulator(contract='legacy')
def test_the_legacy_rate_limits_allow_75_per_array(emulator):
    """"Customers on legacy rate limits can include up to 75 objects per array independently"."""
    body = {'attributes': [{'external_id': 'u{}'.format(n)} for n in range(75)],
            'events': [dict(EVENT, external_id='u')] * 75}
    assert post(emulator, body).status_code == 201
    body['attributes'].append({'external_id': 'one-too-many'})
    assert post(emulator, body).json() == {'message': 'Max Input Length Exceeded'}


@pytest.mark.emulator(contract='mau')
def test_the_mau_contract_allows_75_combined(emulator):
    body = {'attributes': [{'external_id': 'u{}'.format(n)} for n in range(40)],
            'events': [dict(EVENT, external_id='u')] * 35}
    assert post(emulator, body).status_code == 201
    body['events'].append(body['events'][0])
    assert post(emulator, body).json() == {'message': 'Max Input Length Exceeded'}


def test_arrays_of_strings_are_sets(emulator):
    post(emulator, {'attributes': [{'external_id': 'u', 'tags': ['a', 'b', 'a', 'c']}]})
    assert user(emulator, 'u')['custom_attributes']['tags'] == ['a', 'b', 'c']
    post(emulator, {'attributes': [{'external_id': 'u', 'tags': {'add': ['a', 'd'], 'remove': ['b']}}]})
    assert user(emulator, 'u')['custom_attributes']['tags'] == ['c', 'a', 'd']  # a present value moves to the end


def test_arrays_keep_at_most_25_elements_by_default(emulator):
    post(emulator, {'attributes': [{'external_id': 'u', 'tags': [str(n) for n in range(30)]}]})
    assert user(emulator, 'u')['custom_attributes']['tags'] == [str(n) for n in range(25)]
    post(emulator, {'attributes': [{'external_id': 'u', 'tags': {'add': ['new']}}]})
    assert user(emulator, 'u')['custom_attributes']['tags'][-1] == 'new'
    assert len(user(emulator, 'u')['custom_attributes']['tags']) == 25


@pytest.mark.emulator(array_limit=100)
def test_the_array_limit_can_be_raised_to_100(emulator):
    post(emulator, {'attributes': [{'external_id': 'u', 'tags': [str(n) for n in range(150)]}]})
    assert len(user(emulator, 'u')['custom_attributes']['tags']) == 100


def test_merge_objects_is_a_deep_merge_at_every_level(emulator):
    post(emulator, {'attributes': [{'external_id': 'u', 'p': {'a': {'b': {'c': 1, 'd': 2}, 'e': 3}, 'f': 4}}]})
    post(emulator, {'attributes': [{'external_id': 'u', '_merge_objects': True,
                                    'p': {'a': {'b': {'c': 10, 'x': None}, 'new': 5}}}]})
    assert user(emulator, 'u')['custom_attributes']['p'] == {'a': {'b': {'c': 10, 'd': 2}, 'e': 3, 'new': 5}, 'f': 4}
    post(emulator, {'attributes': [{'external_id': 'u', 'p': {'only': 1}}]})  # without it: overwritten
    assert user(emulator, 'u')['custom_attributes']['p'] == {'only': 1}


def test_update_without_merge_objects_overwrites_the_matching_objects(emulator):
    post(emulator, {'attributes': [{'external_id': 'u', 'pets': [{'id': 1, 'name': 'Gus', 'type': 'dog'}]}]})
    post(emulator, {'attributes': [{'external_id': 'u', 'pets': {'$update': [
        {'$identifier_key': 'id', '$identifier_value': 1, '$new_object': {'name': 'Max'}}]}}]})
    assert user(emulator, 'u')['custom_attributes']['pets'] == [{'name': 'Max'}]


@pytest.mark.parametrize('bad', [{'a b': 1}, {'a.b': 1}, {'a$': 1}, {'when': {'$time': 'yesterday'}},
                                 {'k': 'x' * 200, 'list': ['y' * 250] * 420}])
def test_one_invalid_nested_value_drops_every_nested_update_of_the_request(emulator, bad):
    post(emulator, {'attributes': [{'external_id': 'u', 'kept': {'v': 1}}]})
    answer = post(emulator, {'attributes': [{'external_id': 'u', 'kept': {'v': 2}, 'plan': 'pro'},
                                            {'external_id': 'u', 'bad': bad}]})
    assert answer.status_code == 201
    attributes = user(emulator, 'u')['custom_attributes']
    assert attributes['kept'] == {'v': 1} and attributes['plan'] == 'pro' and 'bad' not in attributes


def test_event_times_in_the_future_are_stored_as_now(emulator):
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)).isoformat()
    post(emulator, {'events': [{'external_id': 'u', 'name': 'e', 'time': future}]})
    stored = datetime.datetime.fromisoformat(user(emulator, 'u')['custom_events'][0]['last'].replace('Z', '+00:00'))
    assert abs((stored - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60


def test_first_and_last_are_compared_as_times_not_text(emulator):
    post(emulator, {'events': [{'external_id': 'u', 'name': 'e', 'time': '2024-01-01T10:00:00+02:00'},
                               {'external_id': 'u', 'name': 'e', 'time': '2024-01-01T09:00:00Z'}]})
    [summary] = user(emulator, 'u')['custom_events']
    assert (summary['first'], summary['last'], summary['count']) == (
        '2024-01-01T08:00:00.000Z', '2024-01-01T09:00:00.000Z', 2)  # in UTC with milliseconds, as Braze writes


def test_several_profiles_with_one_email_resolve_as_braze_says(emulator):
    post(emulator, {'attributes': [{'external_id': 'known', 'email': 'a@b.example'}]})
    post(emulator, {'attributes': [{'user_alias': {'alias_name': 'x', 'alias_label': 'l'}, 'email': 'a@b.example',
                                    '_update_existing_only': False}]})
    post(emulator, {'attributes': [{'email': 'a@b.example', 'plan': 'pro'}]})
    assert user(emulator, 'known')['custom_attributes'] == {'plan': 'pro'}  # identified beats newer anonymous
    post(emulator, {'attributes': [{'email': 'nobody@b.example'}]})  # unknown email: an email-only user
    found = post(emulator, {'email_address': 'nobody@b.example'}, path='/users/export/ids').json()['users']
    assert len(found) == 1 and 'external_id' not in found[0] and found[0]['user_aliases'] == []


def test_update_only_objects_never_create_a_profile(emulator):
    post(emulator, {'events': [dict(EVENT, external_id='ghost', _update_existing_only=True)],
                    'purchases': [{'external_id': 'ghost', 'product_id': 'p', 'currency': 'USD', 'price': 1,
                                   'time': EVENT['time'], '_update_existing_only': True}]})
    assert user(emulator, 'ghost') is None
    post(emulator, {'events': [dict(EVENT, external_id='ghost')]})
    assert user(emulator, 'ghost') is not None


# --- /users/export/ids -----------------------------------------------------------------------

def test_the_exported_user_has_the_shape_of_brazes_recorded_answers(emulator):
    """Recorded answers (a public client's test suite, 2015-2021): user_aliases always, the subscription
    states, random_bucket, total_revenue; no custom_events / purchases when there are none; times
    in UTC with milliseconds and Z."""
    post(emulator, {'attributes': [{'external_id': 'quiet'}]})
    quiet = user(emulator, 'quiet')
    assert quiet['user_aliases'] == [] and quiet['email_subscribe'] == quiet['push_subscribe'] == 'subscribed'
    assert 0 <= quiet['random_bucket'] < 10000 and quiet['total_revenue'] == 0.0
    assert type(quiet['total_revenue']) is float  # Braze's recorded answers: 0.0, never 0
    assert 'custom_events' not in quiet and 'purchases' not in quiet
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$', quiet['created_at'])
    post(emulator, {'purchases': [{'external_id': 'quiet', 'product_id': 'p', 'currency': 'USD', 'price': 9.5,
                                   'quantity': 2, 'time': '2020-06-17T22:01:33.385+02:00'}]})
    loud = user(emulator, 'quiet')
    assert loud['total_revenue'] == 19.0 and loud['purchases'][0]['first'] == '2020-06-17T20:01:33.385Z'
    assert loud['random_bucket'] == quiet['random_bucket']


GROUP = '6f1d2c3b-4a59-4e8d-9c7b-0a1b2c3d4e5f'  # a subscription group id is a UUID (BAD_SUBSCRIPTION_GROUP_ID)


def test_export_honours_fields_and_puts_profile_fields_at_the_top(emulator):
    post(emulator, {'attributes': [{'external_id': 'u', 'first_name': 'Ada', 'push_tokens': ['t'],
                                    'subscription_groups': [{'subscription_group_id': GROUP,
                                                             'subscription_state': 'subscribed'}],
                                    'current_location': {'latitude': 40.7, 'longitude': -74.0}, 'tier': 'gold'}]})
    full = user(emulator, 'u')
    assert full['push_tokens'] == ['t'] and full['last_coordinates'] == [-74.0, 40.7]
    assert full['subscription_groups'][0]['subscription_group_id'] == GROUP and 'created_at' in full
    assert full['custom_attributes'] == {'tier': 'gold'}
    assert user(emulator, 'u', fields_to_export=['first_name']) == {'first_name': 'Ada'}


@pytest.mark.parametrize('body, status', [
    ({'external_ids': ['u{}'.format(n) for n in range(51)]}, 400),
    ({'external_ids': ['u'] * 25, 'user_aliases': [{'alias_name': 'a', 'alias_label': 'b'}] * 26}, 400),
    ({'braze_ids': ['local00000000000000000001']}, 400),   # not documented: no identifier at all
    ({'email_address': ['a@b.example']}, 400),
    ({'external_ids': ['u'] * 50}, 201),
])
def test_export_request_rules(emulator, body, status):
    assert post(emulator, body, path='/users/export/ids').status_code == status


def test_unknown_ids_and_aliases_are_listed_as_invalid(emulator):
    alias = {'alias_name': 'nobody', 'alias_label': 'chat'}
    answer = post(emulator, {'external_ids': ['missing'], 'user_aliases': [alias]}, path='/users/export/ids').json()
    assert answer == {'users': [], 'message': 'success', 'invalid_user_ids': ['missing', alias]}


# --- identify, alias/new, merge -------------------------------------------------------------------

ALIAS = {'alias_name': 'chat-9', 'alias_label': 'pypestream_chat'}


def anonymous_chat(emulator, alias=ALIAS):
    post(emulator, {'attributes': [{'user_alias': alias, '_update_existing_only': False, 'chat_topic': 'billing'}],
                    'events': [dict(EVENT, user_alias=alias, name='chat_started')]})


def test_identify_gives_an_anonymous_profile_its_external_id(emulator):
    anonymous_chat(emulator)
    answer = post(emulator, {'aliases_to_identify': [{'external_id': 'new-customer', 'user_alias': ALIAS}]},
                  path='/users/identify')
    assert answer.json() == {'aliases_processed': 1, 'message': 'success'}
    profile = user(emulator, 'new-customer')
    assert profile['custom_attributes'] == {'chat_topic': 'billing'} and profile['user_aliases'] == [ALIAS]


def test_identify_merges_into_a_known_customer_unless_the_label_is_taken(emulator):
    post(emulator, {'attributes': [{'external_id': 'c', 'first_name': 'Ada'}]})
    anonymous_chat(emulator)
    post(emulator, {'aliases_to_identify': [{'external_id': 'c', 'user_alias': ALIAS}]}, path='/users/identify')
    profile = user(emulator, 'c')
    assert profile['custom_events'][0]['name'] == 'chat_started' and profile['user_aliases'] == [ALIAS]
    second = dict(ALIAS, alias_name='chat-10')
    anonymous_chat(emulator, second)
    post(emulator, {'aliases_to_identify': [{'external_id': 'c', 'user_alias': second}]}, path='/users/identify')
    assert user(emulator, 'c')['user_aliases'] == [ALIAS]  # one alias per label: left apart
    assert len(emulator.profiles()) == 2


def test_merge_moves_data_to_the_kept_profile(emulator):
    post(emulator, {'attributes': [{'external_id': 'keep', 'first_name': 'Ada'}]})
    anonymous_chat(emulator)
    answer = post(emulator, {'merge_updates': [{'identifier_to_merge': {'user_alias': ALIAS},
                                                'identifier_to_keep': {'external_id': 'keep'}}]}, path='/users/merge')
    assert (answer.status_code, answer.json()) == (202, {'message': 'success'})
    profile = user(emulator, 'keep')
    assert profile['first_name'] == 'Ada' and profile['custom_attributes'] == {'chat_topic': 'billing'}
    assert profile['custom_events'][0]['count'] == 1 and len(emulator.profiles()) == 1


@pytest.mark.parametrize('body, message', [
    ({'merge_updates': [{'identifier_to_merge': {'external_id': 'a'}}]},
     "'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'"),
    ({'merge_updates': [{'identifier_to_merge': {'id': 'a'}, 'identifier_to_keep': {'external_id': 'b'}}]},
     "identifiers must be objects with an 'external_id' property"),
    ({'merge_updates': [{'identifier_to_merge': {'external_id': 'a'}, 'identifier_to_keep': {'external_id': 'b'}}] * 51},
     'a single request may not contain more than 50 merge updates'),
])
def test_merge_refusals_use_braze_words(emulator, body, message):
    answer = post(emulator, body, path='/users/merge')
    assert answer.status_code == 400 and answer.json()['message'].startswith(message)


def test_alias_new_attaches_once_per_label_or_creates_an_alias_only_user(emulator):
    post(emulator, {'attributes': [{'external_id': 'c'}]})
    entries = [dict(ALIAS, external_id='c'), dict(ALIAS, alias_name='other', external_id='c'),
               {'alias_name': 'solo', 'alias_label': 'x'}, dict(ALIAS, alias_name='z', external_id='nobody')]
    assert post(emulator, {'user_aliases': entries}, path='/users/alias/new').json() == {
        'aliases_processed': 4, 'message': 'success'}
    assert user(emulator, 'c')['user_aliases'] == [ALIAS]
    assert len(emulator.profiles()) == 2  # c, and the alias-only "solo"


@pytest.mark.emulator(identity_delay=0.3)
def test_identify_can_be_applied_late_as_braze_does(emulator):
    anonymous_chat(emulator)
    post(emulator, {'aliases_to_identify': [{'external_id': 'late', 'user_alias': ALIAS}]}, path='/users/identify')
    assert user(emulator, 'late') is None
    time.sleep(0.5)
    assert user(emulator, 'late') is not None


# --- sends ------------------------------------------------------------------------------------

def test_sends_are_recorded_and_listed_without_a_key(emulator):
    post(emulator, {'attributes': [{'external_id': 'c'}]})
    answer = post(emulator, {'canvas_id': 'cv-1', 'recipients': [{'external_user_id': 'c'}],
                             'canvas_entry_properties': {'topic': 'billing'}}, path='/canvas/trigger/send').json()
    post(emulator, {'campaign_id': 'cp-1', 'recipients': [{'external_user_id': 'ghost'}]},
         path='/campaigns/trigger/send')  # not a user, send_to_existing_only by default: skipped
    sends = requests.get(emulator.url + '/_local/sends', timeout=5).json()
    assert sends == [{'endpoint': '/canvas/trigger/send', 'canvas_id': 'cv-1', 'dispatch_id': answer['dispatch_id'],
                      'recipient': {'external_user_id': 'c'}, 'properties': {'topic': 'billing'}}]
    assert len(answer['dispatch_id']) == 32 and int(answer['dispatch_id'], 16) >= 0  # Braze's: 32 hex


def test_canvas_context_is_todays_name_and_a_repeated_recipient_gets_one_message(emulator):
    """Canvas page: "context" ("This includes Canvas entry properties"); "if you use the same
    external_user_id, then the user receives only one message"."""
    post(emulator, {'attributes': [{'external_id': 'c'}]})
    post(emulator, {'canvas_id': 'cv', 'recipients': [{'external_user_id': 'c'}, {'external_user_id': 'c'}],
                    'context': {'topic': 'billing'}}, path='/canvas/trigger/send')
    sends = requests.get(emulator.url + '/_local/sends', timeout=5).json()
    assert [s['properties'] for s in sends] == [{'topic': 'billing'}]


def test_a_campaign_reads_trigger_properties_only(emulator):
    post(emulator, {'attributes': [{'external_id': 'c'}]})
    post(emulator, {'campaign_id': 'cp', 'recipients': [{'external_user_id': 'c'}], 'context': {'a': 1},
                    'trigger_properties': {'b': 2}}, path='/campaigns/trigger/send')
    assert requests.get(emulator.url + '/_local/sends', timeout=5).json()[0]['properties'] == {'b': 2}


@pytest.mark.emulator(canvases=['known-canvas'])
def test_a_list_of_known_canvases_refuses_others(emulator):
    assert post(emulator, {'canvas_id': 'other', 'broadcast': True}, path='/canvas/trigger/send').status_code == 400
    assert post(emulator, {'canvas_id': 'known-canvas', 'broadcast': True},
                path='/canvas/trigger/send').status_code == 201


@pytest.mark.parametrize('body', [
    {'canvas_id': 'c', 'broadcast': True, 'recipients': [{'external_user_id': 'u'}]},
    {'canvas_id': 'c'},
    {'canvas_id': 'c', 'recipients': [{'user_alias': ALIAS, 'send_to_existing_only': True}]},
    {'canvas_id': 'c', 'recipients': [{'external_user_id': 'u', 'send_to_existing_only': False}]},
    {'canvas_id': 'c', 'recipients': [{'external_user_id': 'u'}] * 51},
    {'canvas_id': 'c', 'recipients': [{'external_user_id': 'u', 'user_alias': ALIAS}]},
    {'canvas_id': 'c', 'recipients': [{'external_user_id': 'u'}], 'canvas_entry_properties': {'k': 'v' * 60000}},
])
def test_send_refusals(emulator, body):
    assert post(emulator, body, path='/canvas/trigger/send').status_code == 400


def test_attributes_are_applied_before_the_send_and_can_create_the_user(emulator):
    post(emulator, {'campaign_id': 'cp', 'recipients': [{'external_user_id': 'new', 'send_to_existing_only': False,
                                                          'attributes': {'first_name': 'Alex'}}]},
         path='/campaigns/trigger/send')
    assert user(emulator, 'new')['first_name'] == 'Alex'
    assert requests.get(emulator.url + '/_local/sends', timeout=5).json()[0]['recipient'] == {'external_user_id': 'new'}


# --- keys, permissions, rate limits, faults ---------------------------------------------------------

@pytest.mark.parametrize('key, status', [(False, 401), ('nope', 401)])
def test_bad_auth_is_401(emulator, key, status):
    assert post(emulator, {'attributes': [{'external_id': 'u'}]}, key=key).status_code == status


def test_a_refused_key_gets_empty_rate_limit_headers(emulator):
    answer = post(emulator, {'attributes': [{'external_id': 'u'}]}, key='nope')
    assert answer.status_code == 401
    assert answer.headers['X-RateLimit-Limit'] == '' and answer.headers['X-RateLimit-Reset'] == ''


@pytest.mark.parametrize('obj, message', [
    ({'external_id': 5, 'name': 'e', 'time': '2024-01-01T00:00:00Z'}, "'external_id' must be a non-empty string"),
    ({'external_id': 'u', 'product_id': 5, 'currency': 'USD', 'price': 1, 'time': '2024-01-01T00:00:00Z'},
     "'product_id' must be a string"),
    ({'external_id': 'u', 'name': 'e', 'time': '2019-02-15 00:00:00 -0500'}, "'time' is not an ISO-8601 date-time"),
])
def test_where_the_emulator_is_stricter_than_braze_its_refusal_names_the_rule(emulator, obj, message):
    array = 'purchases' if 'product_id' in obj else 'events'
    answer = post(emulator, {array: [obj]}).json()
    assert message in json.dumps(answer) and 'stricter than Braze' in json.dumps(answer)


def test_api_key_in_body_is_not_auth(emulator):
    assert post(emulator, {'api_key': emulator.api_key, 'attributes': [{'external_id': 'u'}]}, key=False).status_code == 401


def test_a_key_without_the_permission_gets_403_access_denied(emulator):
    emulator.add_key('track-only', ['users.track'])
    answer = post(emulator, {'external_ids': ['u']}, path='/users/export/ids', key='track-only')
    assert (answer.status_code, answer.json()) == (403, {'message': 'Access Denied'})
    assert post(emulator, {'attributes': [{'external_id': 'u'}]}, key='track-only').status_code == 201


def test_trailing_slash_content_type_parse_errors_size_and_empty_body(emulator):
    assert post(emulator, {'attributes': [{'external_id': 'u'}]}, path='/users/track/').status_code == 403
    assert post(emulator, {}, content_type='text/plain').status_code == 415
    broken = post(emulator, None, raw='{"attributes": [')
    assert broken.status_code == 400 and broken.json()['message'].startswith('Error while parsing request body')
    empty = post(emulator, {'partner': 'pypestream'})
    assert (empty.status_code, empty.json()['message']) == (400, NO_VALID_DATA)
    huge = post(emulator, None, raw='{"attributes": [{"external_id": "' + 'x' * (4 * 1024 * 1024) + '"}]}')
    assert huge.status_code == 413


@pytest.mark.parametrize('path, body', [
    ('/users/track', {'attributes': [{'external_id': 'u'}]}), ('/users/export/ids', {'external_ids': ['u']}),
    ('/users/identify', {'aliases_to_identify': [{'external_id': 'u', 'user_alias': ALIAS}]}),
    ('/users/alias/new', {'user_aliases': [ALIAS]}), ('/users/merge', {'merge_updates': []}),
    ('/canvas/trigger/send', {'canvas_id': 'c', 'broadcast': True}),
    ('/campaigns/trigger/send', {'campaign_id': 'c', 'broadcast': True}),
])
def test_every_answer_of_every_endpoint_carries_the_rate_limit_headers(emulator, path, body):
    for key in (None, 'wrong-key'):
        answer = post(emulator, body, path=path, key=key)
        assert {'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'} <= set(answer.headers)
    assert post(emulator, {'attributes': [{'external_id': 'u'}]}).headers['X-RateLimit-Limit'] == '3000'


def test_429_carries_braze_headers_and_only_optionally_the_undocumented_one():
    for option in (False, True):
        with local_braze.running(rate_limit=1, rate_window=30, retry_after_header=option) as braze:
            post(braze, {'attributes': [{'external_id': 'u'}]})
            limited = post(braze, {'attributes': [{'external_id': 'u'}]})
            assert limited.status_code == 429 and int(limited.headers['X-RateLimit-Reset']) > time.time()
            assert ('X-Ratelimit-Retry-After' in limited.headers) is option


def test_faults_are_served_in_order_on_any_endpoint(emulator):
    for spec in ('503x2', 'garbage:200', '202', 'drop'):
        emulator.faults.parse(spec)
    body = {'attributes': [{'external_id': 'u'}]}
    assert [post(emulator, body).status_code for _ in range(2)] == [503, 503]
    assert post(emulator, {'external_ids': ['u']}, path='/users/export/ids').status_code == 200
    queued = post(emulator, body)
    assert (queued.status_code, queued.json()) == (202, {'message': 'queued'})
    with pytest.raises(requests.exceptions.ConnectionError):
        post(emulator, body)
    assert post(emulator, dict(body, attributes=[{'external_id': 'v'}])).status_code == 201
    assert sorted(p['external_id'] for p in emulator.profiles()) == ['u', 'v']  # the 202 (accepted) and the 201


def test_a_502_never_stores_and_a_503_can_be_told_to(emulator):
    with pytest.raises(ValueError):
        emulator.faults.parse('502:processed')
    emulator.faults.parse('502')
    emulator.faults.parse('503:processed')
    assert post(emulator, {'events': [dict(EVENT, external_id='u')]}).status_code == 502
    assert post(emulator, {'events': [dict(EVENT, external_id='v')]}).status_code == 503
    assert user(emulator, 'u') is None
    assert user(emulator, 'v')['custom_events'][0]['count'] == 1


def test_command_line_says_which_development_key_it_accepts():
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k != 'LOCAL_BRAZE_API_KEY'}
    process = subprocess.Popen([sys.executable, '-m', 'local_braze', '--port', str(port)], stdout=subprocess.PIPE,
                               text=True, env=clean, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        process.stdout.readline()
        said = process.stdout.readline().split()
        key = said[said.index('key') + 1]
        assert key == local_braze.DEV_API_KEY
        answer = requests.post('http://127.0.0.1:{}/users/track'.format(port), json={'attributes': [
            {'external_id': 'u', 'plan': 'gold'}]}, headers={'Authorization': 'Bearer ' + key}, timeout=5)
        assert answer.status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_keep_alive_and_tcp_nodelay(emulator):
    session = requests.Session()
    for _ in range(5):
        session.post(emulator.url + '/users/track', json={'attributes': [{'external_id': 'u'}]},
                     headers={'Authorization': 'Bearer ' + emulator.api_key}, timeout=5)
    assert emulator.connections == [True]


def test_command_line_serves_with_permissions_and_faults():
    port = free_port()
    process = subprocess.Popen([sys.executable, '-m', 'local_braze', '--port', str(port), '--api-key', 'cli-key',
                                '--permissions', 'users.track', '--fault', '502'], stdout=subprocess.PIPE, text=True,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        assert process.stdout.readline().strip() == 'local_braze listening on http://127.0.0.1:{}'.format(port)
        assert process.stdout.readline().strip() == 'accepting the REST key given by --api-key or LOCAL_BRAZE_API_KEY'
        url = 'http://127.0.0.1:{}'.format(port)
        headers = {'Authorization': 'Bearer cli-key'}
        track = {'attributes': [{'external_id': 'u'}]}
        assert requests.post(url + '/users/track', json=track, headers=headers, timeout=5).status_code == 502
        assert requests.post(url + '/users/track', json=track, headers=headers, timeout=5).status_code == 201
        assert requests.post(url + '/users/export/ids', json={'external_ids': ['u']}, headers=headers,
                             timeout=5).status_code == 403
    finally:
        process.terminate()
        process.wait(timeout=5)
