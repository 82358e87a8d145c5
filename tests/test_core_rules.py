# -*- coding: utf-8 -*-
"""Rules of the core that hold across nodes: a failed request stops the ones after it and a partial
refusal does not; flags survive a spent budget; identifiers are never attributes; a literal null is
sent; globals are charged by their size; numbers and hosts are bounded; identify adds an alias only
where Braze would keep it; a trigger never reaches an audience."""
import json

import pytest
import responses

from support import (shown, SANDBOX, TRACK_URL, URL, BrazeCanvasTrigger, BrazeUserIdentify, BrazeUserTrack,
                     FakeClock, load_module)

settings_module = load_module('actions.braze_settings')
url_module = load_module('actions.braze_url')
retry = load_module('actions.braze_retry')
variables = load_module('actions.braze_variables')
answers = load_module('actions.braze_answers')
track = load_module('actions.braze_track')
EXPORT_URL = URL + '/users/export/ids'
OK = json.dumps({'message': 'success'})


def bodies(mocked, path='/users/track'):
    return [json.loads(call.request.body) for call in mocked.calls if call.request.url.endswith(path)]


# --- delivery: a failed request ends the call ---------------------------------------------------

def test_no_request_is_sent_after_one_that_failed(mocked, params, make, logs):
    mocked.add(responses.POST, TRACK_URL, status=503, body='{}')
    mocked.add(responses.POST, TRACK_URL, status=201, body=OK)
    events = [{'name': 'e{}'.format(n)} for n in range(60)]  # two requests of 50 and 10
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'events': events}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable'
    assert len(mocked.calls) == 1  # the 503 may have been recorded: not resent, and nothing after it
    assert 'requests=1' in logs[-1] and 'objects=0' in logs[-1]


def test_a_partial_refusal_does_not_stop_the_next_request(mocked, params, make, logs):
    mocked.add(responses.POST, TRACK_URL, status=201, body=json.dumps(
        {'message': 'success', 'errors': [{'type': 'bad', 'input_array': 'events', 'index': 0}]}))
    mocked.add(responses.POST, TRACK_URL, status=201, body=OK)
    events = [{'name': 'e{}'.format(n)} for n in range(80)]
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'events': events}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'rejected' and result['BRAZE_REJECTED'].startswith('events[0]: bad')
    assert len(mocked.calls) == 2 and 'requests=2' in logs[-1]


# --- building: the flags survive a spent budget; merge_objects only with attributes ----------------

def test_update_only_survives_a_budget_spent_on_the_rest_of_the_input():
    budget = variables.Budget(lambda: 1.0, items=10, chars=10 ** 6)
    payload = {'external_id': 'u', 'update_existing_only': True, 'LIST': list(range(50)),
               'attributes': {'a': '{LIST}', 'b': 'x'}, 'events': [{'name': 'e'}]}
    built = track.build(payload, {}, _now(), budget)
    assert built.objects and all(obj.get('_update_existing_only') is True for _, _, obj in built.objects)
    assert any('references copy more' in why for _, why in built.dropped)


def test_merge_objects_is_sent_only_with_attributes_to_merge():
    alias = {'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}
    payload = {'user_alias': alias, 'merge_objects': True, 'events': [{'name': 'e'}]}
    built = track.build(payload, {}, _now(), variables.Budget(lambda: 1.0))
    # The alias-only user is created by an attributes object with no attributes: nothing to merge.
    assert built.objects[0] == ('attributes', 'attributes', {'user_alias': alias, '_update_existing_only': False})
    payload = {'external_id': 'u', 'merge_objects': True, 'events': [{'name': 'e'}]}
    built = track.build(payload, {}, _now(), variables.Budget(lambda: 1.0))
    assert [array for array, _, _ in built.objects] == ['events']
    with_attributes = track.build(dict(payload, attributes={'profile': {'a': 1}}), {}, _now(),
                                  variables.Budget(lambda: 1.0))
    assert with_attributes.objects[0][2]['_merge_objects'] is True


@pytest.mark.parametrize('kind, other', [('email', 'phone'), ('phone', 'email')])
def test_the_identifying_email_or_phone_is_never_also_an_attribute(kind, other):
    given = {'email': 'ada@example.com', 'phone': '+14155550100'}
    built = track.build({kind: given[kind], 'attributes': {kind: given[kind], other: given[other]}}, {}, _now(),
                        variables.Budget(lambda: 1.0))
    [(_, _, obj)] = built.objects
    assert obj == {kind: given[kind], other: given[other]}
    assert built.dropped == (('attributes.' + kind, 'identifiers go at the top level of the input'),)


# --- missing is not null ---------------------------------------------------------------------------

def test_a_literal_null_is_sent_wherever_it_is_written(mocked, params, make, logs):
    payload = {'external_id': 'u', 'UNSET': None,
               'attributes': {'gone': None, 'profile': {'pet': None, 'age': 3}, 'left_alone': '{UNSET}'},
               'events': [{'name': 'e', 'properties': {'coupon': None, 'n': 1}}]}
    built = track.build(payload, {}, _now(), variables.Budget(lambda: 1.0))
    [(_, _, attributes), (_, _, event)] = built.objects
    assert attributes == {'external_id': 'u', 'gone': None, 'profile': {'pet': None, 'age': 3}}
    assert event['properties'] == {'coupon': None, 'n': 1} and built.dropped == ()
    mocked.add(responses.POST, URL + '/canvas/trigger/send', status=201,
               body=json.dumps({'dispatch_id': 'd' * 32, 'message': 'success'}))
    trigger = {'canvas_id': 'cv', 'external_id': 'u', 'attributes': {'plan': None},
               'entry_properties': {'coupon': None, 'missing': '{UNSET}'}}
    assert make(BrazeCanvasTrigger).execute(logs, trigger, dict(SANDBOX))['success'] == 'true'
    sent = json.loads(mocked.calls[0].request.body)
    assert sent['recipients'][0]['attributes'] == {'plan': None} and sent['context'] == {'coupon': None}


# --- references: the budget is charged, for text globals too -----------------------------------

def test_a_long_text_global_is_charged_by_its_characters():
    budget = variables.Budget(lambda: 1.0, items=10 ** 6, chars=1000)
    refs = variables.Variables({'LONG': 'x' * 600}, {}, budget)
    assert refs.value('{LONG}') == 'x' * 600
    with pytest.raises(variables.BudgetExceeded):
        refs.value('{LONG}')  # 1,200 characters copied: over the budget


def test_a_list_global_is_charged_by_its_items_every_time_it_is_used():
    budget = variables.Budget(lambda: 1.0, items=100, chars=10 ** 6)
    refs = variables.Variables({'LIST': list(range(40))}, {}, budget)
    refs.value('{LIST}')
    refs.value('{LIST}')
    with pytest.raises(variables.BudgetExceeded):
        refs.value('{LIST}')


def test_amplification_through_a_long_global_is_bounded_in_a_node_call(mocked, params, make, logs):
    mocked.add(responses.POST, TRACK_URL, status=201, body=OK)
    events = [{'name': 'e{}'.format(n), 'properties': {'note': '{NOTE}'}} for n in range(400)]
    payload = {'external_id': 'u', 'NOTE': ['n' * 200] * 1000, 'events': events}  # 400 uses: 400,000 items
    result = make(BrazeUserTrack).execute(logs, payload, dict(SANDBOX))
    sent = sum(len(body.get('events', [])) for body in bodies(mocked))
    assert 0 < sent < 400 and result['success'] == 'true'
    assert result['BRAZE_DROPPED'].endswith('events[{}..399]'.format(sent))


# --- settings: every number has an upper bound; a custom host is matched whole --------------------

@pytest.mark.parametrize('name, value', [('braze_deadline', 600), ('braze_read_timeout', 61),
                                         ('braze_connect_timeout', 31), ('braze_max_attempts', 11),
                                         ('braze_max_objects', 226), ('braze_deadline', 0.01)])
def test_numbers_beyond_their_bounds_are_config_errors(name, value):
    with pytest.raises(settings_module.SettingsError, match=name):
        settings_module.Settings({'braze_url': URL, 'braze_api_key': 'k' * 36, name: value})


@pytest.mark.parametrize('host', ['evilproxy.corp', 'proxy.corp.evil.example', 'xproxy.corp', 'proxy.cor'])
def test_the_allowed_host_is_matched_whole_never_as_a_suffix_or_prefix(host):
    with pytest.raises(url_module.UrlError, match='not a Braze REST host'):
        url_module.check_base_url('https://{}'.format(host), 'proxy.corp')
    assert url_module.check_base_url('https://PROXY.corp', ' proxy.corp ').host == 'proxy.corp'


# --- retrying: the deadline's last instant, and Braze's error indexes ----------------------------

def test_an_attempt_is_started_with_exactly_the_minimum_time_left_and_not_with_less():
    clock = FakeClock(0.0)
    deadline = retry.Deadline(1.0, clock, clock.sleep)
    clock.now = 1.0 - retry.MIN_ATTEMPT
    assert deadline.has_time()
    clock.now += 1e-6
    assert not deadline.has_time()


def test_a_negative_or_out_of_range_error_index_names_the_request_not_an_input():
    labels = {'events': ['events[0]', 'events[1]']}
    refused = answers.refused_inputs([{'type': 'a', 'input_array': 'events', 'index': -1},
                                      {'type': 'b', 'input_array': 'events', 'index': 2},
                                      {'type': 'c', 'input_array': 'events', 'index': 1}], labels)
    assert refused == {'request': 'a', 'events[1]': 'c'}


# --- identify: a label already taken is left alone -------------------------------------------------

def test_identify_adds_no_alias_when_the_customer_already_has_one_with_that_label(mocked, params, make, logs):
    known = {'external_id': 'c', 'braze_id': 'b1', 'user_aliases': [{'alias_name': 'old-chat',
                                                                     'alias_label': 'pypestream_chat'}]}
    mocked.add(responses.POST, EXPORT_URL, status=201, body=json.dumps({'users': [known], 'message': 'success'}))
    result = make(BrazeUserIdentify).execute(logs, {'external_id': 'c'}, dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'BRAZE_IDENTIFIED': 'none'}
    assert [call.request.url for call in mocked.calls] == [EXPORT_URL]  # no /users/alias/new


def test_identify_adds_the_alias_when_the_customer_has_only_other_labels(mocked, params, make, logs):
    known = {'external_id': 'c', 'braze_id': 'b1', 'user_aliases': [{'alias_name': 'x', 'alias_label': 'crm'}]}
    mocked.add(responses.POST, EXPORT_URL, status=201, body=json.dumps({'users': [known], 'message': 'success'}))
    mocked.add(responses.POST, URL + '/users/alias/new', status=201, body=OK)
    result = make(BrazeUserIdentify).execute(logs, {'external_id': 'c'}, dict(SANDBOX))
    assert shown(result) == {'success': 'true', 'BRAZE_IDENTIFIED': 'aliased'}
    assert json.loads(mocked.calls[1].request.body) == {'user_aliases': [
        {'alias_name': 'chat-1', 'alias_label': 'pypestream_chat', 'external_id': 'c'}]}


# --- triggers: never an audience ------------------------------------------------------------------

@pytest.mark.parametrize('key', ['recipients', 'audience', 'segment_id', 'external_user_ids', 'user_aliases'])
def test_every_audience_key_is_refused_and_nothing_sent(mocked, params, make, logs, key):
    payload = {'canvas_id': 'cv', 'external_id': 'c', key: 'seg-1'}
    result = make(BrazeCanvasTrigger).execute(logs, payload, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and len(mocked.calls) == 0
    assert '"{}" is refused'.format(key) in logs[-1]


def _now():
    import datetime
    return datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
