# -*- coding: utf-8 -*-
"""The common wiring mistakes of a solution developer, each answered with what is wrong, where, and the
fix (issue 22): unknown keys are left out and named, never ignored; lint finds routing and Decision
Variable mistakes from the nodes' declarations; settings, hosts and files name their cause."""
import json
import os
import socket
import subprocess
import sys

import pytest
import responses

from local_pypestream import flowfile, flowlint, jsontext
from support import (API_KEY, SANDBOX, TRACK_URL, URL, BrazeUserIdentify, BrazeUserLookup, BrazeUserTrack, Logs, app,
                     request_json)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = ('Node Number,Node Type,Node Name,Intent,Entity Type,Entity,NLU Disabled?,Next Nodes,Message,Rich Asset '
          'Type,Rich Asset Content,Answer Required?,Behaviors,Command,Description,Output,Node Input,Parameter '
          'Input,Decision Variable,What Next?,Node Tags,Skill Tag,Variable,Platform Flag,Flows,CSS Classname\n')


def answer(mocked):
    mocked.add(responses.POST, TRACK_URL, json={'message': 'success', 'attributes_processed': 1}, status=201)


# --- the node names what it leaves out ------------------------------------------------------------

def test_attributes_at_the_top_and_event_for_events_are_named_and_the_rest_is_sent(mocked, params, make, logs):
    answer(mocked)
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u-77', 'first_name': 'Ana', 'event': {'name': 'x'}},
                                          dict(SANDBOX))
    assert result['success'] == 'true' and result['BRAZE_DROPPED'] == 'first_name,event'
    assert logs[0] == 'BrazeUserTrack: dropped first_name: not a BrazeUserTrack key; attributes go in "attributes"'
    assert logs[1] == 'BrazeUserTrack: dropped event: not a BrazeUserTrack key: did you mean "events"?'
    assert request_json(mocked.calls[0])['attributes'] == [{'external_id': 'u-77'}]  # what was valid is still sent


def test_unknown_keys_and_the_node_s_own_drops_are_named_together(mocked, params, make, logs):
    answer(mocked)
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'event': {'name': 'x'},
                                                 'attributes': {'dob': 'not a date', 'plan': 'gold'}}, dict(SANDBOX))
    assert result['success'] == 'true' and result['BRAZE_DROPPED'] == 'event,attributes.dob'


def test_a_parameter_input_of_only_unknown_keys_is_invalid_input_naming_them(mocked, params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external': 'c', 'global': {}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and result['BRAZE_DROPPED'] == 'external,global'
    assert 'every key of the Parameter Input was dropped (external, global)' in logs[-1] and not mocked.calls


def test_globals_handed_over_by_name_are_never_unknown_keys(mocked, params, make, logs):
    answer(mocked)
    result = make(BrazeUserTrack).execute(logs, {'USER_ID': 'u', 'FIRST_NAME': 'Ana'}, dict(SANDBOX))
    assert result['success'] == 'true' and result['BRAZE_DROPPED'] == ''


def test_an_unset_identifier_names_the_global(mocked, params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external_id': '{CRM_ID}'}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input'
    assert 'no identifier: CRM_ID is not set (external_id is "{CRM_ID}"): set it in the flow before this node' \
        in logs[-1]


def test_a_globals_map_written_the_wrong_way_round_is_named_with_the_fix(mocked, params, make, logs):
    result = make(BrazeUserLookup).execute(logs, {'external_id': 'c', 'globals': {'first_name': 'FIRST_NAME'}},
                                           dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'invalid_input' and not mocked.calls
    assert '"globals" entry "first_name": "FIRST_NAME" is written the wrong way round: write "FIRST_NAME": ' \
           '"first_name"' in logs[-1]


def test_a_list_longer_than_brazes_default_is_sent_and_the_limit_explained(mocked, params, make, logs):
    answer(mocked)
    tags = ['t{}'.format(n) for n in range(200)]
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'attributes': {'tags': tags}}, dict(SANDBOX))
    assert result['success'] == 'true' and request_json(mocked.calls[0])['attributes'][0]['tags'] == tags
    assert logs[0] == ("BrazeUserTrack: attributes.tags: 200 values sent; Braze keeps the workspace's maximum array "
                       "length, 25 unless raised (Data Settings > Custom Attributes, the attribute's maximum array "
                       "length)")


def test_an_identify_that_joins_nothing_names_the_label_it_looked_for(mocked, params, make, logs):
    mocked.add(responses.POST, URL + '/users/export/ids', status=201, json={
        'message': 'success', 'users': [{'external_id': 'c', 'user_aliases': [{'alias_name': 'old',
                                                                               'alias_label': 'web_chat'}]}]})
    result = make(BrazeUserIdentify).execute(logs, {'external_id': 'c', 'user_alias': {
        'alias_name': 'chat-1', 'alias_label': 'web_chat'}}, dict(SANDBOX))
    assert result['BRAZE_IDENTIFIED'] == 'none'
    assert logs[-1] == ('BrazeUserIdentify: none elapsed_ms=0: no profile holds this chat\'s alias (alias_label '
                        '"web_chat"), and the customer already holds an alias with that label: record the chat with '
                        'BrazeUserTrack under this alias_label first, the same label in both nodes')


# --- settings and hosts -----------------------------------------------------------------------------

@pytest.mark.parametrize('host, rest', [('dashboard-01.braze.com', 'https://rest.iad-01.braze.com'),
                                        ('dashboard-01.braze.eu', 'https://rest.fra-01.braze.eu'),
                                        ('dashboard.us-10.braze.com', 'https://rest.us-10.braze.com'),
                                        ('sdk.iad-03.braze.com', 'https://rest.iad-03.braze.com'),
                                        ('sdk.au-01.braze.com', 'https://rest.au-01.braze.com')])
def test_a_dashboard_or_sdk_host_is_config_naming_the_rest_endpoint_and_the_key_goes_nowhere(
        mocked, params, make, logs, host, rest):
    params['braze_url'] = 'https://' + host
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'attributes': {'a': 1}}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'config' and not mocked.calls
    assert 'not its REST endpoint: write {}'.format(rest) in logs[-1]


def test_a_rest_host_braze_does_not_list_yet_is_allowed(mocked, params, make, logs):
    params['braze_url'] = 'https://rest.iad-09.braze.com'
    mocked.add(responses.POST, 'https://rest.iad-09.braze.com/users/track', json={'message': 'success'}, status=201)
    assert make(BrazeUserTrack).execute(logs, {'external_id': 'u'}, dict(SANDBOX))['success'] == 'true'


def test_a_name_that_does_not_resolve_is_named_with_the_nearest_rest_hosts_and_not_tried_again(
        params, make, logs, monkeypatch):
    params['braze_url'] = 'https://rest.iad-1.braze.com'
    looked = []

    def no_such_name(host, port, *args, **kwargs):
        looked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    monkeypatch.setattr(socket, 'getaddrinfo', no_such_name)
    result = make(BrazeUserTrack, transport=None).execute(logs, {'external_id': 'u', 'attributes': {'a': 1}},
                                                          dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'unavailable' and looked == ['rest.iad-1.braze.com']  # one attempt
    assert 'attempts=1' in logs[-1]
    assert logs[-1].endswith(
        'could not resolve rest.iad-1.braze.com (did you mean rest.iad-01.braze.com or rest.id-01.braze.com?): check '
        'braze_url against Braze\'s "API and SDK endpoints" page')


@pytest.mark.parametrize('host', ['rest.zzz-99.braze.com', 'rest.' + ('a' * 60 + '.') * 2 + 'braze.com'])
def test_a_name_that_does_not_resolve_and_is_near_no_braze_host_is_named_alone(params, make, logs, monkeypatch,
                                                                                host):
    params['braze_url'] = 'https://' + host

    def no_such_name(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    monkeypatch.setattr(socket, 'getaddrinfo', no_such_name)
    make(BrazeUserTrack, transport=None).execute(logs, {'external_id': 'u', 'attributes': {'a': 1}}, dict(SANDBOX))
    assert logs[-1].endswith('could not resolve {}: check braze_url against Braze\'s "API and SDK endpoints" '
                             'page'.format(host[:100]))  # a long name is cut at 100 characters


@pytest.mark.parametrize('setting, value', [('braze_canvases', "{'welcome_back': 'c-1'}"),
                                            ('braze_campaigns', "{'follow_up': 'k-1'}"),
                                            ('braze_link_secrets', "{'2026-11': '%s'}" % ('s' * 40))])
def test_a_setting_written_as_a_python_dict_is_config_saying_single_quotes(setting, value):
    from support import load_module
    settings = load_module('actions.braze_settings')
    with pytest.raises(settings.SettingsError) as refused:
        settings.Settings({'braze_url': URL, 'braze_api_key': API_KEY, setting: value}, [setting])
    assert str(refused.value).startswith('{} is text but not a JSON object (single quotes? JSON needs double '
                                         'quotes): write {{"'.format(setting))


def test_only_the_placeholders_count_as_unset():
    from support import load_module
    settings = load_module('actions.braze_settings')
    assert settings.Settings({'braze_canvases': '{ BRAZE CANVASES }'}, ['braze_canvases']).canvases == {}
    with pytest.raises(settings.SettingsError):
        settings.Settings({'braze_canvases': '{welcome_back: c-1}'}, ['braze_canvases'])


# --- lint knows every node ---------------------------------------------------------------------------

def lint(*rows):
    flow = flowfile.parse(HEADER + ''.join(rows))
    return [(p.level, p.node, p.column, p.message) for p in flowlint.lint(flow, None)
            if p.column != 'Command']


LOOKUP = ('1,A,Look up,,,,,,,,,,,BrazeUserLookup,,{decision},,"{{""external_id"": ""{{USER_ID}}""}}",{decision},'
          '{routes},,,"USER_ID,FIRST_NAME,LAST_NAME,EMAIL_ADDRESS,DATE_OF_BIRTH,CITY_OF_RESIDENCE,BRAZE_ID,'
          'BRAZE_EXTERNAL_ID,BRAZE_ERROR,BRAZE_DROPPED",,,\n')
END = '2,D,End,,,,,,Bye,,,,,,,,,,,,,,,,,\n'


def test_lint_calls_a_route_the_node_never_returns_an_error_and_a_missing_one_a_warning():
    found = lint(LOOKUP.format(decision='success', routes='true~2|false~2|error~2'), END)
    assert ('error', 1, 'What Next?', 'BrazeUserLookup never returns false on success (it returns true, not_found, '
            'multiple, error): the route can never be taken') in found
    assert ('warning', 1, 'What Next?', 'BrazeUserLookup can return not_found, multiple on success and no route '
            'takes them: the chat would stop there') in found


def test_lint_refuses_a_decision_variable_the_node_does_not_route_on():
    found = lint(LOOKUP.format(decision='BRAZE_ERROR', routes='true~2|error~2'), END)
    assert [f for f in found if f[2] == 'Decision Variable'] == [
        ('error', 1, 'Decision Variable', 'BrazeUserLookup does not route on BRAZE_ERROR: use success (it sets '
         'BRAZE_ID, BRAZE_EXTERNAL_ID, BRAZE_DROPPED, BRAZE_ERROR)')]


def test_lint_names_parameter_input_keys_in_the_nodes_own_words():
    row = ('1,A,Record,,,,,,,,,,,BrazeUserTrack,,success,,"{""external_id"": ""u"", ""first_name"": ""Ana"", '
           '""event"": {""name"": ""x""}}",success,true~2|error~2,,,"BRAZE_ERROR,BRAZE_REJECTED,BRAZE_DROPPED",,,\n')
    found = [f[3] for f in lint(row, END) if f[2] == 'Parameter Input']
    assert found == ['key first_name: not a BrazeUserTrack key; attributes go in "attributes" (the node leaves it out)',
                     'key event: not a BrazeUserTrack key: did you mean "events"? (the node leaves it out)']


def test_lint_accepts_upper_case_route_values_and_a_cohort_route():
    row = ('1,A,Check,,,,,,,,,,,BrazeVerifyLink,,BRAZE_LINK_ROUTE,,{},BRAZE_LINK_ROUTE,GOLD~2|verified~2|expired~2|'
           'invalid~2|missing~2|error~2,,,"BRAZE_LINK_EXTERNAL_ID,BRAZE_LINK_COHORT,BRAZE_LINK_ROUTE,BRAZE_ERROR,'
           'BRAZE_DROPPED",,,\n')
    assert lint(row, END) == []


@pytest.mark.parametrize('text, words', [
    ('{"external_id": "u",}', 'line 1 column 21: a comma before }: remove it'),
    ('{"events": [{"name": "x"},]}', 'a comma before ]: remove it'),
    ("{'external_id': 'u'}", 'line 1 column 2: single quotes: JSON needs double quotes'),
    ('{external_id: "u"}', 'the key external_id has no quotes: write "external_id"'),
    ('{\u201cexternal_id\u201d: "u"}', 'a curly quote (\u201c) where JSON needs the straight quote "')])
def test_a_parameter_input_that_is_not_json_names_the_node_the_column_and_the_cause(text, words):
    cell = '"' + text.replace('"', '""') + '"'
    row = '1,A,Record,,,,,,,,,,,BrazeUserTrack,,success,,{},success,true~2|error~2,,,BRAZE_ERROR,,,\n'.format(cell)
    [problem] = [f for f in lint(row, END) if f[2] == 'Parameter Input']
    assert problem[:2] == ('error', 1) and words in problem[3], problem


def test_a_spreadsheet_is_named_as_one(tmp_path):
    path = tmp_path / 'flow.csv'
    path.write_bytes(b'PK\x03\x04' + b'\x00' * 64)
    [problem] = flowfile.read(str(path)).problems
    assert 'is a spreadsheet (an .xlsx or another zip), not CSV: export the sheet as CSV (UTF-8)' in problem.message


def test_the_readme_lint_example_routes_what_the_lookup_returns():
    readme = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
    assert '`true~20\\|not_found~30\\|multiple~30\\|error~90`' in readme and 'false~30' not in readme


# --- the command line never answers with a traceback ------------------------------------------------

def cli(*args):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(('BRAZE_', 'LOCAL_'))}
    return subprocess.run([sys.executable, '-m', 'local_pypestream'] + list(args), cwd=ROOT, capture_output=True,
                          text=True, env=clean, timeout=120)


def test_run_names_an_unknown_node_with_a_suggestion():
    done = cli('run', 'BrazeUserTrak', 'examples/seed.json')
    assert done.returncode == 2 and 'Traceback' not in done.stderr
    assert done.stderr.startswith('run: no node BrazeUserTrak (did you mean BrazeUserTrack?)')


@pytest.mark.parametrize('content, words', [(None, 'no such file'), ('{"external_id": "u",}',
                                                                     'not JSON: line 1 column 21: a comma before }'),
                                            ('[1]', 'a Parameter Input is a JSON object')])
def test_run_names_a_payload_file_it_cannot_use(tmp_path, content, words):
    path = tmp_path / 'payload.json'
    if content is not None:
        path.write_text(content)
    done = cli('run', 'BrazeUserTrack', str(path))
    assert done.returncode == 2 and 'Traceback' not in done.stderr
    assert done.stderr.startswith('run: payload {}: {}'.format(path, words)), done.stderr


@pytest.mark.parametrize('turns, words', [('nosuch.json', '--turns nosuch.json: no such file'),
                                          ('{"a": 1}', '--turns: a JSON array of the answers'),
                                          ('[1,]', '--turns (inline JSON): line 1 column 4')])
def test_flow_names_turns_it_cannot_use(turns, words):
    done = cli('flow', 'examples/flows/braze_journey.csv', '--turns', turns)
    assert done.returncode == 2 and 'Traceback' not in done.stderr and words in done.stderr, done.stderr


def test_flow_takes_inline_turns_and_an_empty_list_waits():
    done = cli('flow', 'examples/flows/braze_journey.csv', '--json', '--turns', '[]')
    assert done.returncode == 0 and json.loads(done.stdout)['ended'] == 'waiting'


def test_flow_exits_1_naming_a_script_it_cannot_load(tmp_path):
    path = tmp_path / 'typo.csv'
    path.write_text(HEADER + '1,A,X,,,,,,,,,,,BrazeUserTrak,,success,,,success,true~2|error~2,,,,,,\n' + END)
    done = cli('flow', str(path), '--solution', ROOT, '--turns', '[]')
    assert done.returncode == 1
    assert 'flow: node 1: actions/BrazeUserTrak.py could not be loaded (ModuleNotFoundError' in done.stderr


def test_flow_exits_1_saying_braze_could_not_be_reached():
    env = dict(os.environ, BRAZE_URL='http://127.0.0.1:9', BRAZE_API_KEY='k', BRAZE_DEADLINE='0.5')
    done = subprocess.run([sys.executable, '-m', 'local_pypestream', 'flow', 'examples/flows/braze_journey.csv',
                           '--turns', 'examples/flows/retargeting.turns.json'], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 1 and 'flow: Braze could not be reached (' in done.stderr


def test_json_causes_are_explained_in_words():
    assert jsontext.loads('{"a": 1}') == ({'a': 1}, None)
    assert jsontext.loads('[' * 100000) == (None, 'nested too deeply to read')


def test_a_reference_to_a_global_the_flow_never_set_is_named_before_anything_is_sent(mocked, params, make, logs):
    answer(mocked)
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'attributes': {'first_name': '{FIRST_NAME}',
                                                                                   'plan': 'gold'}}, dict(SANDBOX))
    assert result['success'] == 'true'
    assert logs[0] == ('BrazeUserTrack: not set, so left out: FIRST_NAME (set them in the flow before this node, or '
                       'leave them out of the Parameter Input)')
    assert request_json(mocked.calls[0])['attributes'] == [{'external_id': 'u', 'plan': 'gold'}]


def test_every_unset_global_is_named_in_one_line(mocked, params, make, logs):
    answer(mocked)
    make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'attributes': {
        'first_name': '{FIRST_NAME}', 'last_name': '{LAST_NAME}', 'plan': 'gold'}}, dict(SANDBOX))
    assert logs[0] == ('BrazeUserTrack: not set, so left out: FIRST_NAME, LAST_NAME (set them in the flow before this '
                       'node, or leave them out of the Parameter Input)')


def test_a_misspelt_key_inside_an_event_is_named_with_the_fix(mocked, params, make, logs):
    answer(mocked)
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'events': [{'name': 'x', 'propreties': {}}]},
                                          dict(SANDBOX))
    assert result['BRAZE_DROPPED'] == 'events[0].propreties'
    assert logs[0] == 'BrazeUserTrack: dropped events[0].propreties: not a field of this object; did you mean ' \
                      '"properties"?'


def test_an_event_key_near_time_is_offered_time_and_one_far_from_every_key_is_offered_nothing():
    import datetime
    from support import load_module
    track = load_module('actions.braze_track')
    variables = load_module('actions.braze_variables')
    built = track.build({'external_id': 'u', 'events': [{'name': 'x', 'tiem': '2026-01-01', 'xamex': 1}]}, {},
                        datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), variables.Budget(lambda: 1.0))
    # "xamex" is 0.67 like "name": below the 0.75 a suggestion needs, so none is made
    assert built.dropped == (('events[0].tiem', 'not a field of this object; did you mean "time"?'),
                             ('events[0].xamex', 'not a field of this object'))


# --- the words of the lists and of the check itself, exactly ---------------------------------------

def test_many_unknown_keys_are_listed_five_at_a_time_then_counted(mocked, params, make, logs):
    answer(mocked)
    payload = dict({'k{}'.format(n): n for n in range(7)}, external_id='u')
    result = make(BrazeUserTrack).execute(logs, payload, dict(SANDBOX))
    assert result['BRAZE_DROPPED'] == ','.join('k{}'.format(n) for n in range(7))
    assert logs[5] == 'BrazeUserTrack: 2 more dropped inputs not listed here'


def test_only_unknown_keys_are_refused_in_exact_words_and_bounded(mocked, params, make, logs):
    keys = ['x{:03d}'.format(n) * 10 for n in range(10)]
    make(BrazeUserLookup).execute(logs, {key: 1 for key in keys}, dict(SANDBOX))
    listed = ', '.join(keys)[:200]
    assert logs[-1] == ('BrazeUserLookup: error reason=invalid_input: nothing sent: nothing left to use: every key of '
                        'the Parameter Input was dropped ({})'.format(listed))[:800]


def test_a_key_one_node_takes_is_still_unknown_to_another_and_stays_unknown_on_every_call(mocked, params, make, logs):
    from support import BrazeCanvasTrigger
    params['braze_canvases'] = {'welcome_back': 'c-1'}
    mocked.add(responses.POST, URL + '/canvas/trigger/send', json={'message': 'success', 'dispatch_id': 'd'},
               status=201)
    make(BrazeCanvasTrigger).execute(Logs(), {'canvas': 'welcome_back', 'external_id': 'u'}, dict(SANDBOX))
    answer(mocked)  # every key the Canvas took: still not Track's
    assert make(BrazeUserTrack).execute(Logs(), {'external_id': 'u', 'canvas': 'x'}, dict(SANDBOX))['BRAZE_DROPPED'] \
        == 'canvas'
    for _ in range(2):  # an unknown key is never remembered as a known one
        answer(mocked)
        assert make(BrazeUserTrack).execute(Logs(), {'evnt': 1, 'USER_ID': 'u'}, dict(SANDBOX))['BRAZE_DROPPED'] == \
            'evnt'
    assert make(BrazeUserTrack).execute(Logs(), {'evnt': 1}, dict(SANDBOX))['BRAZE_DROPPED'] == 'evnt'


def test_many_long_arrays_are_listed_five_at_a_time_then_counted(mocked, params, make, logs):
    answer(mocked)
    attributes = {'list{}'.format(n): ['v{}'.format(i) for i in range(30)] for n in range(7)}
    make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'attributes': attributes}, dict(SANDBOX))
    assert logs[5] == 'BrazeUserTrack: 2 more long arrays not listed here'


def test_an_attempt_with_no_answer_says_status_dash(params, make, logs):
    params['braze_url'] = 'http://127.0.0.1:9'
    make(BrazeUserTrack, transport=None).execute(logs, {'external_id': 'u', 'attributes': {'a': 1}}, dict(SANDBOX))
    assert logs[-1].startswith('BrazeUserTrack: error reason=unavailable status=- attempts=')
