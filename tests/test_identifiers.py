# -*- coding: utf-8 -*-
"""Who a request is about, for every node: USER_ID from wherever the platform put it, aliases in the
shape each endpoint wants, one identifier only, and the identifier masked wherever Braze echoes it."""
import json

import pytest
import responses

from support import (EXPORT_URL, SANDBOX, URL, BrazeCampaignTrigger, BrazeCanvasTrigger, BrazeUserLookup,
                     BrazeUserTrack)

ALIAS = {'alias_name': 'Ada-Lovelace-chat', 'alias_label': 'pypestream_chat'}
CANVAS_URL = URL + '/canvas/trigger/send'


def answer(mocked, url, status=201, **body):
    mocked.add(responses.POST, url, status=status, body=json.dumps(dict({'message': 'success'}, **body)))


def sent(mocked):
    return json.loads(mocked.calls[0].request.body)


@pytest.mark.parametrize('where', ['payload', 'context', 'user_data'])
def test_lookup_finds_user_id_wherever_the_platform_put_it(mocked, params, make, logs, where):
    answer(mocked, EXPORT_URL, users=[])
    context = dict(SANDBOX, user_data={})
    payload = {}
    {'payload': payload, 'context': context, 'user_data': context['user_data']}[where]['USER_ID'] = 'c-9'
    assert make(BrazeUserLookup).execute(logs, payload, context)['success'] == 'not_found'
    assert sent(mocked)['external_ids'] == ['c-9']


@pytest.mark.parametrize('node, url', [(BrazeCanvasTrigger, CANVAS_URL), (BrazeCampaignTrigger, URL + '/campaigns/trigger/send')])
def test_triggers_find_user_id_in_the_context_and_references_in_the_payload(mocked, params, make, logs, node, url):
    answer(mocked, url, dispatch_id='d' * 32)
    payload = {'canvas_id': '{WHICH}', 'campaign_id': '{WHICH}', 'WHICH': 'id-1'}
    assert make(node).execute(logs, payload, dict(SANDBOX, USER_ID='c-9'))['success'] == 'true'
    body = sent(mocked)
    assert body['recipients'] == [{'external_user_id': 'c-9'}] and 'id-1' in (body.get('canvas_id'), body.get('campaign_id'))


def test_a_lookup_by_alias_sends_the_alias_in_a_list_and_one_by_email_sends_the_address_alone(mocked, params, make,
                                                                                                logs):
    answer(mocked, EXPORT_URL, users=[])
    answer(mocked, EXPORT_URL, users=[])
    make(BrazeUserLookup).execute(logs, {'user_alias': dict(ALIAS)}, dict(SANDBOX))
    make(BrazeUserLookup).execute(logs, {'email': 'Ada@Example.com'}, dict(SANDBOX))
    bodies = [json.loads(call.request.body) for call in mocked.calls]
    assert bodies[0]['user_aliases'] == [ALIAS] and bodies[1]['email_address'] == 'ada@example.com'


def test_a_lookup_takes_one_identifier_only(mocked, params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'email': 'a@b.example'}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and len(mocked.calls) == 0
    assert logs[-1].endswith('more than one identifier (external_id and email): give exactly one')


@pytest.mark.parametrize('node, url, payload', [
    (BrazeCanvasTrigger, CANVAS_URL, {'canvas_id': 'cv', 'user_alias': dict(ALIAS)}),
    (BrazeUserLookup, EXPORT_URL, {'user_alias': dict(ALIAS)}),
    (BrazeUserTrack, URL + '/users/track', {'user_alias': dict(ALIAS), 'events': [{'name': 'e'}]}),
    (BrazeCanvasTrigger, CANVAS_URL, {'canvas_id': 'cv', 'external_id': 'Ada-Lovelace-chat'}),
    (BrazeCanvasTrigger, CANVAS_URL, {'canvas_id': 'cv', 'external_id': 'c', 'attributes': {
        'first_name': 'Ada-Lovelace-chat'}}),
])
def test_an_identifier_or_personal_attribute_that_braze_echoes_is_masked(mocked, params, make, logs, node, url, payload):
    answer(mocked, url, status=400, message='no user Ada-Lovelace-chat here')
    result = make(node).execute(logs, payload, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'bad_request'
    assert 'Ada-Lovelace-chat' not in logs.text() and 'no user <personal> here' in logs[-1]


@pytest.mark.parametrize('node, url, permission', [(BrazeCanvasTrigger, CANVAS_URL, 'canvas.trigger.send'),
                                                   (BrazeCampaignTrigger, URL + '/campaigns/trigger/send',
                                                    'campaigns.trigger.send')])
def test_a_403_names_the_permission_of_the_send(mocked, params, make, logs, node, url, permission):
    answer(mocked, url, status=403, message='Access Denied')
    make(node).execute(logs, {'canvas_id': 'cv', 'campaign_id': 'cp', 'external_id': 'c'}, dict(SANDBOX))
    assert 'the key lacks the {} permission'.format(permission) in logs[-1]


def test_properties_given_twice_name_both(mocked, params, make, logs):
    payload = {'canvas_id': 'cv', 'external_id': 'c', 'entry_properties': {}, 'canvas_entry_properties': {}}
    make(BrazeCanvasTrigger).execute(logs, payload, dict(SANDBOX))
    assert logs[-1].endswith('give the properties once (entry_properties and canvas_entry_properties are the same '
                             'object)')
