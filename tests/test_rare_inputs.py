# -*- coding: utf-8 -*-
"""Inputs and answers of unusual shape, each with its exact answer: names a setting does not know (and
how many it lists), an identifier or a URL that comes from a global, answers whose lists are not lists,
properties at Braze's size limit, link fields holding '=' and a link signed without a cohort."""
import json

import pytest
import responses

from support import (SANDBOX, URL, BrazeCanvasTrigger, BrazeUserIdentify, BrazeUserLookup, BrazeVerifyLink,
                     LINK_SECRETS, Logs, load_module, request_json)

links = load_module('actions.braze_links')
EXPORT_URL = URL + '/users/export/ids'
CANVAS_URL = URL + '/canvas/trigger/send'


@pytest.mark.parametrize('known, listed', [({}, 'none'), ({'b_one': 'c-1', 'a_two': 'c-2'}, 'a_two, b_one'),
                                           ({'n{:03d}'.format(i): 'c' for i in range(120)},
                                            ', '.join('n{:03d}'.format(i) for i in range(120))[:400])])
def test_an_unknown_canvas_name_lists_the_names_the_environment_knows(mocked, params, make, logs, known, listed):
    params['braze_canvases'] = known
    name = 'welcome_' + 'x' * 100
    result = make(BrazeCanvasTrigger).execute(logs, {'canvas': name, 'external_id': 'c'}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'config' and not mocked.calls
    assert logs[-1] == ('BrazeCanvasTrigger: error reason=config: configuration problem: braze_canvases of this '
                        'environment has no canvas "{}" (known: {}): add it there, or use one of those'.format(
                            name[:80], listed))[:800]


def test_a_lookup_that_names_its_user_by_a_global_keeps_its_globals_map(mocked, params, make, logs):
    mocked.add(responses.POST, EXPORT_URL, status=201, json={'message': 'success', 'users': [
        {'external_id': 'c', 'custom_attributes': {'tier': 'gold'}}]})
    result = make(BrazeUserLookup).execute(logs, {'USER_ID': 'c', 'globals': {'TIER': 'custom_attributes.tier'}},
                                           dict(SANDBOX))
    assert result['TIER'] == 'gold' and 'FIRST_NAME' not in result
    assert request_json(mocked.calls[0])['fields_to_export'] == ['braze_id', 'custom_attributes', 'external_id']


def test_a_failed_lookup_blanks_the_globals_its_map_names_not_the_default_ones(params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {'TIER': 'custom_attributes.tier'}},
                                           {})
    assert result == {'success': 'error', 'TIER': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_DROPPED': '',
                      'BRAZE_ERROR': 'config'}


def test_a_globals_map_with_a_key_that_is_not_text_is_invalid_input_not_a_crash(mocked, params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {5: 'first_name'}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and not mocked.calls


@pytest.mark.parametrize('where', ['payload', 'context'])
def test_identify_reads_its_customer_from_a_global_in_the_payload_or_the_context(mocked, params, make, logs, where):
    mocked.add(responses.POST, EXPORT_URL, status=201, json={'message': 'success', 'users': []})
    payload, context = {'external_id': '{CRM}'}, dict(SANDBOX, chat_id='chat-1')
    (payload if where == 'payload' else context)['CRM'] = 'c-7'
    make(BrazeUserIdentify).execute(logs, payload, context)
    assert request_json(mocked.calls[0])['external_ids'] == ['c-7']


def test_identify_masks_the_customer_and_the_chat_alias_in_every_line(mocked, params, make, logs):
    mocked.add(responses.POST, EXPORT_URL, status=400, json={'message': 'bad c-secret-77 chat-secret-9'})
    make(BrazeUserIdentify).execute(logs, {'external_id': 'c-secret-77'}, dict(SANDBOX, chat_id='chat-secret-9'))
    assert 'c-secret-77' not in logs.text() and 'chat-secret-9' not in logs.text()


@pytest.mark.parametrize('users, outcome', [(5, 'none'), ([{'external_id': 'c', 'user_aliases': 5}], 'aliased')])
def test_identify_reads_lists_that_are_not_lists_as_empty(mocked, params, make, logs, users, outcome):
    mocked.add(responses.POST, EXPORT_URL, status=201, json={'message': 'success', 'users': users})
    mocked.add(responses.POST, URL + '/users/alias/new', status=201, json={'message': 'success'})
    result = make(BrazeUserIdentify).execute(logs, {'external_id': 'c'}, dict(SANDBOX, chat_id='chat-1'))
    assert result['success'] == 'true' and result['BRAZE_IDENTIFIED'] == outcome


def sized(size):
    """An object of text values (each under Braze's 255 characters) whose JSON is ``size`` bytes."""
    def length(value):
        return len(json.dumps(value, separators=(',', ':')))
    found = {}
    while length(found) < size - 200:
        found['k{:04d}'.format(len(found))] = 'x' * 100
    found['last'] = ''
    found['last'] = 'x' * (size - length(found))
    return found


def test_entry_properties_of_exactly_50_kb_are_sent_and_one_byte_more_refused(mocked, params, make, logs):
    mocked.add(responses.POST, CANVAS_URL, status=201, json={'message': 'success', 'dispatch_id': 'd'})
    for size, sent in ((50 * 1024, True), (50 * 1024 + 1, False)):
        properties = sized(size)
        assert len(json.dumps(properties, separators=(',', ':'))) == size
        before = len(mocked.calls)
        result = make(BrazeCanvasTrigger).execute(Logs(), {'canvas_id': 'cv', 'external_id': 'c',
                                                           'entry_properties': properties}, dict(SANDBOX))
        assert (len(mocked.calls) > before) is sent and (result['success'] == 'true') is sent


# --- BrazeVerifyLink: where the URL comes from ------------------------------------------------------

@pytest.fixture
def secrets(monkeypatch):
    from support import app
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {'braze_link_secrets': dict(LINK_SECRETS)}})


def signed_url(cohort='', raw_cohort=None):
    exp = 4102444800  # 2100-01-01
    kid, secret = next(iter(LINK_SECRETS.items()))
    fields = 'bz_uid=C-1&bz_exp={}&bz_kid={}&bz_sig={}'.format(exp, kid, links.sign('C-1', exp, secret, cohort))
    if cohort:
        fields += '&bz_cohort=' + (raw_cohort or cohort)
    return 'https://www.example.com/chat?' + fields


def verify(payload, user_data):
    logs = Logs()
    node = BrazeVerifyLink(wall=lambda: 4102444800 - 3600)
    return node.execute(logs, payload, dict(SANDBOX, user_data=user_data)), logs


def test_the_url_may_come_from_a_global_of_the_context(secrets):
    result, _ = verify({'url': '{PAGE_URL}'}, {'PAGE_URL': signed_url()})
    assert result['success'] == 'verified'


@pytest.mark.parametrize('user_data', ['x', {'last_viewed_url': 5}, {'last_viewed_url': None}])
def test_page_data_of_the_wrong_type_is_no_link(secrets, user_data):
    result, logs = verify({}, user_data)
    assert result['success'] == 'missing' and logs[-1].startswith('BrazeVerifyLink: missing source=-')


def test_a_field_value_holding_a_raw_equals_sign_is_read_whole(secrets):
    result, _ = verify({'url': signed_url(cohort='a=b', raw_cohort='a=b')}, {})
    assert result['success'] == 'verified' and result['BRAZE_LINK_COHORT'] == 'a=b'


def test_a_link_signed_without_a_cohort_signs_an_empty_one():
    assert links.sign('u', 1, 's' * 32) == links.sign('u', 1, 's' * 32, '')


def test_an_oversized_page_url_or_passthrough_is_invalid_and_named(secrets):
    result, logs = verify({}, {'last_viewed_url': 'https://x.example/?bz_uid=' + 'a' * 9000})
    assert result['success'] == 'invalid' and logs[-1] == 'BrazeVerifyLink: invalid source=url: the page URL is ' \
                                                          'over 8 KiB'
    result, logs = verify({}, {'last_viewed_url': 'https://x.example/', 'passthrough': json.dumps({'p': 'a' * 70000})})
    assert result['success'] == 'invalid' and logs[-1] == 'BrazeVerifyLink: invalid source=passthrough: the ' \
                                                          'passthrough is over 64 KiB'


# --- the exact words of the fixes a message proposes ------------------------------------------------

declarations = load_module('actions.braze_declarations')
url_module = load_module('actions.braze_url')
settings_module = load_module('actions.braze_settings')


def test_only_a_close_key_gets_a_did_you_mean():
    track = declarations.NODES['BrazeUserTrack']
    assert declarations.unknown_input(track, 'extrnal') == 'not a BrazeUserTrack key: did you mean "external_id"?'
    assert declarations.unknown_input(track, 'extern').startswith('not a BrazeUserTrack key (its keys: external_id')


def test_the_nearest_rest_hosts_are_two_at_most_and_only_close_ones():
    assert url_module.nearest_rest_hosts('rest.iad-0.braze.com') == ['rest.iad-08.braze.com', 'rest.iad-07.braze.com']
    assert url_module.nearest_rest_hosts('api.braze.com') == []  # some likeness (0.6) is not enough: 0.8
    assert url_module.nearest_rest_hosts('rest.iad-1.example.com') == []


@pytest.mark.parametrize('value, unset', [('', True), (' None ', True), ('{ BRAZE LINK SECRETS }', True),
                                          ('none', False), ('NONE', False), ('{"k": }', False)])
def test_only_empty_none_and_placeholders_are_unset_json_settings(value, unset):
    with pytest.raises(settings_module.SettingsError) as refused:
        settings_module.Settings({'braze_link_secrets': value}, ['braze_link_secrets'])
    said = str(refused.value)
    assert said.startswith('braze_link_secrets is not set') is unset, said
    if not unset:
        assert said == 'braze_link_secrets is text but not a JSON object: write {"kid": "secret"}'


def test_a_python_dict_names_the_json_to_write():
    with pytest.raises(settings_module.SettingsError) as refused:
        settings_module.Settings({'braze_canvases': "{'a': 'b'}"}, ['braze_canvases'])
    assert str(refused.value) == ('braze_canvases is text but not a JSON object (single quotes? JSON needs double '
                                  'quotes): write {"welcome_back": "<id>"}')


def test_a_group_id_that_is_not_a_uuid_is_named_exactly():
    name = 'g' * 100
    with pytest.raises(settings_module.SettingsError) as refused:
        settings_module.Settings({'braze_subscription_groups': {name: 'sms'}}, ['braze_subscription_groups'])
    assert str(refused.value) == ('braze_subscription_groups: the id of "{}" is not a subscription group id (a UUID '
                                  'such as 0f9e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4, from Audience > Subscriptions in the '
                                  'dashboard)'.format('g' * 80))


def test_a_globals_map_the_wrong_way_round_is_quoted_at_most_60_characters(mocked, params, make, logs):
    name, path = 'f' * 70, 'G' * 70
    make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {name: path}}, dict(SANDBOX))
    assert logs[-1] == ('BrazeUserLookup: error reason=invalid_input: nothing sent: "globals" entry "{0}": "{1}" is '
                        'written the wrong way round: write "{1}": "{0}" (the global first, then the Braze '
                        'field)'.format('f' * 60, 'G' * 60))
    make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {name: 'first_name'}}, dict(SANDBOX))
    assert logs[-1] == ('BrazeUserLookup: error reason=invalid_input: nothing sent: "globals" entry "{}": global names '
                        'are UPPER_CASE letters, digits and _'.format('f' * 60))


def test_an_identify_that_joins_nothing_quotes_its_label_at_most_60_characters(mocked, params, make, logs):
    mocked.add(responses.POST, EXPORT_URL, status=201, json={'message': 'success', 'users': []})
    make(BrazeUserIdentify).execute(logs, {'external_id': 'c', 'user_alias': {'alias_name': 'a',
                                                                              'alias_label': 'l' * 70}}, dict(SANDBOX))
    assert '(alias_label "{}")'.format('l' * 60) in logs[-1]


def test_attributes_fill_an_attributes_object_up_to_a_mebibyte_of_weight_exactly(mocked, params, make, logs):
    track = load_module('actions.braze_track')
    variables = load_module('actions.braze_variables')
    import datetime
    count = track.ATTRIBUTES_CHUNK // 64  # each scalar weighs 64: exactly this many fill one object
    # the second object is filled exactly as the first: its weight starts again from nothing
    payload = {'external_id': 'u', 'attributes': {'a{}'.format(n): n for n in range(2 * count + 1)}}
    built = track.build(payload, {}, datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
                        variables.Budget(lambda: 1.0, items=10 ** 7, chars=10 ** 9))
    sizes = [len(obj) - 1 for array, _, obj in built.objects if array == 'attributes']
    assert sizes == [count, count, 1]


def test_an_ipv6_loopback_url_is_read_alike_by_both_parsers():
    wire = load_module('actions.braze_wire')
    settings = settings_module.Settings({'braze_url': 'http://[::1]:9', 'braze_api_key': 'k' * 36},
                                        ['braze_url', 'braze_api_key'])
    assert settings.url('users/track', wire.agrees) == 'http://[::1]:9/users/track'


@pytest.mark.parametrize('seconds, said', [(86399, '86399 s'), (86400, '1.0 days'), (90720, '1.1 days')])
def test_a_duration_is_said_in_seconds_up_to_a_day_then_in_days(seconds, said):
    assert links._duration(seconds) == said


@pytest.mark.parametrize('errors, rejected', [
    ({'type': 'BAD', 'input_array': 'events', 'index': 0}, 'events[0]: BAD'),
    ([{'type': 'BAD', 'input_array': 'nosuch', 'index': 0}], 'request: BAD'),
    (['plain words'], 'request: plain words')])
def test_per_object_errors_of_unusual_shapes_are_named(mocked, params, make, logs, errors, rejected):
    from support import TRACK_URL, BrazeUserTrack
    mocked.add(responses.POST, TRACK_URL, status=201, json={'message': 'success', 'errors': errors})
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'events': [{'name': 'x'}]}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'rejected' and result['BRAZE_REJECTED'] == rejected


def test_a_primary_identifier_inside_attributes_is_dropped_with_its_reason(mocked, params, make, logs):
    from support import TRACK_URL, BrazeUserTrack
    mocked.add(responses.POST, TRACK_URL, status=201, json={'message': 'success'})
    alias = {'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}
    result = make(BrazeUserTrack).execute(logs, {'user_alias': alias, 'attributes': {'external_id': 'x', 'a': 1}},
                                          dict(SANDBOX))
    assert result['BRAZE_DROPPED'] == 'attributes.external_id'
    assert logs[0] == 'BrazeUserTrack: dropped attributes.external_id: identifiers go at the top level of the input'


@pytest.mark.parametrize('url', ['https://evil.example/users/track', 'https://rest.iad-01.braze.com:444/users/track',
                                 'http://rest.iad-01.braze.com/users/track', 'https://u@rest.iad-01.braze.com/users/track',
                                 'https://rest.iad-01.braze.com/users/track?x=1',
                                 'https://rest.iad-01.braze.com/users/track#x'])
def test_a_url_that_urllib3_reads_otherwise_than_the_setting_is_refused_in_words(url):
    wire = load_module('actions.braze_wire')
    url_module = load_module('actions.braze_url')
    base = url_module.check_base_url('https://rest.iad-01.braze.com')
    assert wire.agrees('https://rest.iad-01.braze.com/users/track', base) is None
    with pytest.raises(url_module.UrlError) as refused:
        wire.agrees(url, base)
    assert str(refused.value) == ('braze_url is read differently by the HTTP stack; write it as '
                                  'https://host[:port]')


def test_an_array_longer_than_braze_keeps_by_default_is_named_and_one_of_exactly_25_is_not():
    track = load_module('actions.braze_track')
    objects = [('attributes', 'attributes', {'external_id': 'u', 'kept': list(range(25)), 'long': list(range(26)),
                                             'objects': [{'n': n} for n in range(30)]})]
    assert track.long_arrays(objects) == [('long', 26)]  # an array of objects is not one of values
