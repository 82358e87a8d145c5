# -*- coding: utf-8 -*-
"""What reaches the chat from Braze: bounded, without control characters, of the right type; a
malformed answer is Braze's ``unexpected``, never our ``internal``; data is never damaged by masking."""
import json

import pytest
import responses

from support import (shown, API_KEY, EXPORT_URL, SANDBOX, URL, BrazeCampaignTrigger, BrazeCanvasTrigger,
                     BrazeUserLookup, load_module)

safelog = load_module('actions.braze_safelog')
CANVAS_URL = URL + '/canvas/trigger/send'


def answer_users(mocked, users):
    mocked.add(responses.POST, EXPORT_URL, status=201, body=json.dumps(
        {'users': users, 'message': 'success'}))


@pytest.mark.parametrize('users', [[None], [1], ['x'], [[]], [True], [{'external_id': 'c'}, None], 'users', {}])
def test_a_malformed_users_list_is_unexpected_not_internal(mocked, params, make, logs, users):
    answer_users(mocked, users)
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c'}, dict(SANDBOX))
    assert result['success'] == 'error' and result['BRAZE_ERROR'] == 'unexpected'
    assert result['FIRST_NAME'] == '' and result['BRAZE_ID'] == ''
    assert 'reason=unexpected status=201 attempts=1' in logs[-1]


@pytest.mark.parametrize('users, found', [([], 'not_found'), (None, 'not_found')])
def test_an_empty_or_absent_users_list_is_not_found(mocked, params, make, logs, users, found):
    answer_users(mocked, users)
    assert make(BrazeUserLookup).execute(logs, {'external_id': 'c'}, dict(SANDBOX))['success'] == found


def test_looked_up_values_are_safe_to_show_and_bounded(mocked, params, make, logs):
    forged = 'gold\r\n  BRAZE_ERROR = forged\x1b]2;title\x07 \u202eevil\u2066 end'
    answer_users(mocked, [{'external_id': 'c', 'braze_id': 'b1', 'first_name': 'A' * 5000,
                           'custom_attributes': {'tier': forged, 'tags': ['x\ny'] * 400, 'n': 12}}])
    payload = {'external_id': 'c', 'globals': {'NAME': 'first_name', 'TIER': 'custom_attributes.tier',
                                                'TAGS': 'custom_attributes.tags', 'N': 'custom_attributes.n'}}
    result = make(BrazeUserLookup).execute(logs, payload, dict(SANDBOX))
    assert result['success'] == 'true'
    assert result['TIER'] == 'gold    BRAZE_ERROR = forged]2;title evil end'
    assert result['NAME'] == 'A' * (safelog.MAX_CHAT_TEXT - 3) + '...'
    assert len(result['TAGS']) == safelog.MAX_CHAT_TEXT and '\n' not in result['TAGS']
    assert result['N'] == '12'


def test_a_looked_up_value_sharing_characters_with_the_key_reaches_the_flow_intact(mocked, params, make, logs):
    code = 'SAVE' + API_KEY[:6]
    answer_users(mocked, [{'external_id': 'c', 'braze_id': API_KEY[9:19] + '0000', 'first_name': code}])
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c'}, dict(SANDBOX))
    assert result['FIRST_NAME'] == code and result['BRAZE_ID'] == API_KEY[9:19] + '0000'


def test_a_looked_up_value_holding_the_key_is_masked(mocked, params, make, logs):
    answer_users(mocked, [{'external_id': 'c', 'braze_id': 'b', 'first_name': 'key ' + API_KEY}])
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c'}, dict(SANDBOX))
    assert result['FIRST_NAME'] == 'key <api-key>'


@pytest.mark.parametrize('dispatch_id, safe', [
    ('0123456789abcdef0123456789abcdef', '0123456789abcdef0123456789abcdef'),
    ({'id': 1}, ''), (12, ''), (None, ''), ('a\nb\u202e', 'a b'), ('d' * 5000, 'd' * 997 + '...')])
def test_the_dispatch_id_is_text_safe_to_show(mocked, params, make, logs, dispatch_id, safe):
    mocked.add(responses.POST, CANVAS_URL, status=201, body=json.dumps(
        {'dispatch_id': dispatch_id, 'message': 'success'}))
    result = make(BrazeCanvasTrigger).execute(logs, {'canvas_id': 'cv', 'external_id': 'c'}, dict(SANDBOX))
    assert result == {'success': 'true', 'BRAZE_DISPATCH_ID': safe, 'BRAZE_DROPPED': '', 'BRAZE_ERROR': ''}


@pytest.mark.parametrize('node', [BrazeCanvasTrigger, BrazeCampaignTrigger])
@pytest.mark.parametrize('name', ['external_id', 'braze_id', 'user_alias'])
def test_identifier_keys_in_a_recipients_attributes_are_refused(mocked, params, make, logs, node, name):
    target = 'canvas_id' if node is BrazeCanvasTrigger else 'campaign_id'
    payload = {target: 'cv', 'external_id': 'c', 'attributes': {name: 'other', 'plan': 'x'}}
    result = make(node).execute(logs, payload, dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'invalid_input', 'BRAZE_DISPATCH_ID': ''}
    assert len(mocked.calls) == 0
    assert 'identifiers go at the top level' in logs[-1]


def test_looked_up_values_of_every_shape_are_written_as_the_flow_reads_them(mocked, params, make, logs):
    answer_users(mocked, [{'external_id': 'c', 'braze_id': 'b', 'custom_events': 5,
                           'custom_attributes': {'off': False, 'on': True, 'tier': 'gold', 'tags': ['ü'],
                                                 'profile': {'b': 1, 'a': 2}}}])
    payload = {'external_id': 'c', 'globals': {
        'OFF': 'custom_attributes.off', 'ON': 'custom_attributes.on', 'DEEPER': 'custom_attributes.tier.level',
        'TAGS': 'custom_attributes.tags', 'PROFILE': 'custom_attributes.profile', 'ORDERS': 'custom_events.o.count'}}
    result = make(BrazeUserLookup).execute(logs, payload, dict(SANDBOX))
    assert shown(result) == dict(success='true', OFF='false', ON='true', DEEPER='', TAGS='["ü"]', PROFILE='{"a":2,"b":1}',
                          ORDERS='0', BRAZE_ID='b', BRAZE_EXTERNAL_ID='c')


def test_a_global_mapped_to_a_path_that_is_not_text_is_invalid_input(mocked, params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {'X': 5}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and logs[-1].endswith('X maps to a path Braze does not export')
