# -*- coding: utf-8 -*-
"""local_pypestream flow and lint: the example flow end to end, and small flows for each rule."""
import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest

import local_services
from local_pypestream import flowfile, flowlint, flowrun
from local_pypestream.runtime import make_context
from support import app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOWS = os.path.join(ROOT, 'examples', 'flows')
JOURNEY = os.path.join(FLOWS, 'braze_journey.csv')
HEADER = ','.join(flowfile.COLUMNS)


def flow(*rows):
    return flowfile.parse('\n'.join((HEADER,) + rows) + '\n')


def cell(**named):
    """Column names as keyword arguments: next_nodes, what_next, nlu_disabled, ..."""
    mapping = {'next_nodes': 'Next Nodes', 'what_next': 'What Next?', 'nlu_disabled': 'NLU Disabled?',
               'answer_required': 'Answer Required?', 'rich_type': 'Rich Asset Type',
               'rich_content': 'Rich Asset Content', 'parameter_input': 'Parameter Input',
               'decision': 'Decision Variable', 'message': 'Message', 'command': 'Command', 'output': 'Output',
               'variable': 'Variable', 'behaviors': 'Behaviors', 'intent': 'Intent', 'node_input': 'Node Input'}
    return {mapping[k]: v for k, v in named.items()}


def node_row(number, kind='D', **named):
    values = dict({'Node Number': str(number), 'Node Type': kind}, **cell(**named))
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerow([values.get(column, '') for column in flowfile.COLUMNS])
    return out.getvalue()[:-1]


def walk(the_flow, turns=(), **context):
    return flowrun.Run(the_flow, make_context('sandbox', context), iter(turns)).walk()


def lint_messages(the_flow):
    return [(p.level, p.node, p.column) for p in flowlint.lint(the_flow)]


def run_cli(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(('BRAZE_', 'LOCAL_'))}
    clean.update(env or {})
    return subprocess.run([sys.executable, '-m', 'local_pypestream'] + list(args), cwd=ROOT, capture_output=True,
                          text=True, env=clean, timeout=120)


# --- the example flow, through the command line ------------------------------------------------

@pytest.mark.parametrize('name', ['braze_journey.csv', 'dynamic_targeting.csv', 'contextual_insight.csv'])
def test_the_example_flows_lint_clean(name):
    done = run_cli('lint', os.path.join(FLOWS, name))
    assert done.returncode == 0 and done.stdout.strip() == '0 error(s), 0 warning(s)'


def test_the_retargeting_flow_records_a_typed_customer_without_reading_anything_back():
    done = run_cli('flow', JOURNEY, '--turns', os.path.join(FLOWS, 'retargeting.turns.json'), '--json')
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report['ended'] == 'end' and report['error'] is None
    assert report['path'] == [1, 5, 10, 12, 14, 1013, 112, 50, 60, 70, 80, 666]
    logs = [t['text'] for t in report['transcript'] if t['who'] == 'log']
    assert not any(line.startswith('BrazeUserLookup') for line in logs)  # a typed number is never looked up
    assert any(line.startswith('BrazeUserIdentify: merged') for line in logs)
    assert any(line.startswith('BrazeCanvasTrigger: sent') for line in logs)
    assert report['globals']['FIRST_NAME'] == '<personal>' and report['globals']['BRAZE_IDENTIFIED'] == 'merged'
    assert 'ada@example.com' not in ' '.join(logs).lower()


def test_the_retargeting_flow_stores_what_the_conversation_said(monkeypatch):
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {}})
    turns = json.load(open(os.path.join(FLOWS, 'retargeting.turns.json')))
    with local_services.start(app, 'sandbox') as services:
        run = walk(flowfile.read(JOURNEY), turns)
        [profile] = services.braze.profiles()
        sends = services.braze.sends.list()
        paths = [path for path, _ in services.braze.requests]
    assert run.ended == 'end'
    assert '/users/export/ids' in paths  # identify's own look-up only, its answer never shown to the user
    assert profile['external_id'] == 'C-1001' and profile['first_name'] == 'Ada'
    assert profile['email'] == 'ada@example.com'
    assert {e['name']: e['count'] for e in profile['custom_events']} == {'chat_started': 1, 'chat_completed': 1}
    assert profile['user_aliases'] == [{'alias_name': run.globals['CHAT_ID'], 'alias_label': 'pypestream_chat'}]
    assert sends[0]['canvas_id'] == 'local-canvas-welcome-back'
    assert sends[0]['properties'] == {'channel': 'chat', 'first_name': 'Ada'}


def test_a_braze_outage_takes_the_gentle_error_routes():
    done = run_cli('flow', JOURNEY, '--turns', os.path.join(FLOWS, 'braze_outage.turns.json'), '--json',
                   env={'LOCAL_BRAZE_FAULTS': '503x40'})
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report['ended'] == 'end'
    assert report['path'] == [1, 5, 900, 10, 12, 14, 1013, 910, 666]
    assert report['globals']['BRAZE_ERROR'] == 'unavailable'


def test_the_text_output_shows_transcript_path_routes_globals_and_the_profile():
    done = run_cli('flow', JOURNEY, '--turns', os.path.join(FLOWS, 'retargeting.turns.json'))
    out = done.stdout
    assert done.returncode == 0
    assert out.startswith('using the embedded Braze emulator')
    assert 'bot:  Thanks Ada. And your email address?' in out and 'user: C-1001' in out
    assert 'ended: end' in out and 'path: 1 -> 5 -> 10' in out and '1013 success=true -> 112' in out
    assert '  FIRST_NAME = <personal>' in out and 'Braze emulator now holds:' in out


def test_turns_running_out_leave_the_run_waiting():
    waiting = run_cli('flow', JOURNEY, '--json', '--turns', os.path.join(ROOT, 'tests', 'fixtures', 'no_turns.json'))
    assert json.loads(waiting.stdout)['ended'] == 'waiting' and waiting.returncode == 0


def test_the_keyboard_is_read_when_no_turns_are_given():
    done = subprocess.run([sys.executable, '-m', 'local_pypestream', 'flow', JOURNEY], cwd=ROOT, input='C-1\n',
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if not k.startswith('BRAZE_')})
    assert 'user: C-1' in done.stdout and 'ended: waiting' in done.stdout


def test_the_readme_flow_rows_are_rows_of_the_example_flow():
    with open(os.path.join(ROOT, 'README.md')) as handle:
        readme = handle.read()
    rows = re.findall(r'```\n(-?\d+,[AD],[^\n]*(?:\n[^`\n][^\n]*)*)\n```', readme)
    assert len(rows) >= 7
    example = ''
    for name in os.listdir(FLOWS):
        if name.endswith('.csv'):
            with open(os.path.join(FLOWS, name)) as handle:
                example += handle.read()
    for text in rows:
        assert text in example, text[:60]


# --- reading ------------------------------------------------------------------------------------

def test_bom_legacy_header_quoted_newlines_and_apostrophe_numbers_are_read():
    legacy = ','.join(flowfile.LEGACY_COLUMNS)
    values = {name: '' for name in flowfile.LEGACY_COLUMNS}
    values.update({'Node Number': "'-585", 'Node Type': 'D', 'Message': 'line one\nline two {X}',
                   'Next Nodes': '1'})
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerow([values[c] for c in flowfile.LEGACY_COLUMNS])
    parsed = flowfile.parse('\ufeff' + legacy + '\n' + out.getvalue())
    assert parsed.problems == [] and parsed.nodes[-585].cell('Message') == 'line one\nline two {X}'


def test_reading_reports_short_rows_bad_and_repeated_numbers():
    short = HEADER + '\n1,D,x\n'
    assert [p.column for p in flowfile.parse(short).problems] == ['row']
    problems = flow(node_row(1), node_row('x1'), node_row(1)).problems
    assert [(p.level, p.column) for p in problems] == [('error', 'Node Number'), ('error', 'Node Number')]


# --- walking --------------------------------------------------------------------------------------

def test_action_routes_and_globals_flow_into_messages(monkeypatch):
    the_flow = flow(
        node_row(1, 'A', command='BrazeUserLookup', output='success', decision='success',
                 parameter_input='{"external_id": "{CUSTOMER}"}', what_next='true~2|\n not_found~3|error~4',
                 variable='CUSTOMER'),
        node_row(2, message='Welcome back {FIRST_NAME}'), node_row(3, message='New here, {CUSTOMER}?'),
        node_row(4, message='Sorry'))
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {}})
    with local_services.start(app, 'sandbox'):
        run = walk(the_flow, CUSTOMER='c-9')
    assert run.path == [1, 3] and run.ended == 'end'
    assert run.transcript[-1] == {'who': 'bot', 'text': 'New here, c-9?'}
    assert run.globals['success'] == 'not_found' and run.globals['FIRST_NAME'] == ''


def test_unset_globals_reach_nodes_and_messages_as_None():
    run = walk(flow(node_row(1, message='Hi {NOBODY}')))
    assert run.transcript == [{'who': 'bot', 'text': 'Hi None'}]


def test_an_unrouted_value_ends_the_run_with_an_error(braze):
    the_flow = flow(node_row(1, 'A', command='BrazeUserLookup', output='success', decision='success',
                             parameter_input='{"external_id": "x"}', what_next='true~2|error~2'),
                    node_row(2, message='.'))
    run = walk(the_flow)
    assert run.ended == 'error' and "success='not_found' has no route" in run.error


@pytest.mark.parametrize('handlers, expected', [((-500, 99990), -500), ((99990,), 99990), ((), None)])
def test_an_exception_goes_to_the_error_handler(handlers, expected):
    rows = [node_row(1, 'A', command='NoSuchNode', output='success', decision='success', what_next='true~2|error~2'),
            node_row(2, message='fine')] + [node_row(n, message='handled') for n in handlers]
    run = walk(flow(*rows))
    if expected is None:
        assert run.ended == 'error' and 'no error handler' in run.error
    else:
        assert run.path == [1, expected] and run.ended == 'end'


def test_buttons_match_case_insensitively_without_icons_and_typing_can_be_refused():
    the_flow = flow(node_row(1, message='Pick', rich_type='button', answer_required='1', behaviors='disable_input',
                             rich_content='<<far fa-check>> Yes~2|\n No ~3', variable='PICK'),
                    node_row(2, message='yes!'), node_row(3, message='no!'))
    run = walk(the_flow, ['maybe', '  yES '])
    assert run.path == [1, 2] and run.globals['PICK'] == 'Yes'
    assert [t['who'] for t in run.transcript] == ['bot', 'user', 'note', 'user', 'bot']


def test_quick_replies_and_typed_text_with_next_nodes():
    options = json.dumps({'type': 'static', 'options': [{'label': 'Agent', 'dest': '9'}]})
    the_flow = flow(node_row(1, message='Need?', rich_type='quick_reply', rich_content=options, answer_required='1',
                             next_nodes='2', variable='NEED'),
                    node_row(2, message='You said {NEED}'), node_row(9, message='x', behaviors='xfer_to_agent'))
    assert walk(the_flow, ['help me']).transcript[-1]['text'] == 'You said help me'
    assert walk(the_flow, ['agent']).ended == 'transfer'


def test_the_step_budget_stops_loops():
    run = flowrun.Run(flow(node_row(1, message='again', next_nodes='1')), make_context(), iter(()), max_steps=7).walk()
    assert run.ended == 'error' and len(run.path) == 7 and 'step budget' in run.error


def test_variable_column_globals_reach_the_node_without_overriding_the_input(monkeypatch):
    seen = {}

    class Spy(object):
        def execute(self, log, payload=None, context=None):
            seen.update(payload)
            return {'success': 'true'}

    monkeypatch.setattr(flowrun, 'run_node', lambda name, payload, context, log: Spy().execute(log, payload, context))
    the_flow = flow(node_row(1, 'A', command='Spy', output='success', decision='success', what_next='true~2',
                             parameter_input='{"A": "set", "B": "{B}\\n"}', variable='A,B,C'), node_row(2))
    walk(the_flow, B='bee')
    assert seen == {'A': 'set', 'B': 'bee\n', 'C': 'None'}


# --- lint -------------------------------------------------------------------------------------------

RULES = [
    (node_row(1, 'X'), ('error', 1, 'Node Type')),
    (node_row(1, next_nodes='7'), ('error', 1, 'Next Nodes')),
    (node_row(1, 'A', output='success', decision='success', what_next='true~1|error~1'), ('error', 1, 'Command')),
    (node_row(1, 'A', command='Nope', output='success', decision='success', what_next='true~1|error~1'),
     ('error', 1, 'Command')),
    (node_row(1, 'A', command='BrazeUserTrack', output='BRAZE_ERROR', decision='success', what_next='true~1|error~1'),
     ('error', 1, 'Decision Variable')),
    (node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success', what_next='true-1'),
     ('error', 1, 'What Next?')),
    (node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success', what_next='true~1'),
     ('warning', 1, 'What Next?')),
    (node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success', what_next='true~1|error~1',
              parameter_input='[1]'), ('error', 1, 'Parameter Input')),
    (node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success', what_next='true~1|error~1',
              parameter_input='{"a": "line\none"}'), ('warning', 1, 'Parameter Input')),
    (node_row(1, decision='success'), ('error', 1, 'Decision Variable')),
    (node_row(1, what_next='true~1'), ('error', 1, 'What Next?')),
    (node_row(1, nlu_disabled='1', next_nodes=''), ('error', 1, 'NLU Disabled?')),
    (node_row(1, variable='lower_case'), ('error', 1, 'Variable')),
    (node_row(1, message='Hi {name}'), ('error', 1, 'Message')),
    (node_row(1, message='Hi {UNDECLARED}'), ('error', 1, 'Message')),
    (node_row(1, rich_type='button', rich_content='Go~5', answer_required='1'), ('error', 1, 'Rich Asset Content')),
    (node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success',
              what_next='AL~1|AK~1|error~1'), ('warning', 1, 'What Next?')),
    (node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success',
              what_next='true~1|true~2|error~1'), ('error', 1, 'What Next?')),
]


@pytest.mark.parametrize('text, expected', RULES, ids=[str(i) for i in range(len(RULES))])
def test_each_compile_rule_names_the_node_and_column(text, expected):
    assert expected in lint_messages(flow(text))


def test_a_clean_flow_has_nothing_to_say():
    the_flow = flow(node_row(1, message='Hi {CHAT_ID}, {NAME}', next_nodes='2'),
                    node_row(2, message='name?', answer_required='1', nlu_disabled='1', next_nodes='3', variable='NAME'),
                    node_row(3, 'A', command='BrazeUserTrack', output='success,BRAZE_ERROR', decision='success',
                             what_next='true~4|error~4', parameter_input='{"external_id": "{NAME}"}'),
                    node_row(4, message='bye'))
    assert lint_messages(the_flow) == []


def test_unreachable_nodes_and_repeated_json_keys_are_warnings():
    found = lint_messages(flow(node_row(1), node_row(5, message='orphan'),
                               node_row(-500, message='handler'), node_row(7, message='nlu', intent='out_of_scope')))
    assert found == [('warning', 5, 'Node Number')]
    repeated = flow(node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success',
                             what_next='true~1|error~1', parameter_input='{"city": 1, "city": 2}'))
    assert ('warning', 1, 'Parameter Input') in lint_messages(repeated)


def test_lint_fails_on_a_broken_copy_of_the_example(tmp_path):
    with open(JOURNEY) as handle:
        broken = handle.read().replace('true~60|error~910', 'true~61|error~910').replace(
            'Thanks {FIRST_NAME}.', 'Thanks {FIRSTNAME}.')
    path = tmp_path / 'broken.csv'
    path.write_text(broken)
    done = run_cli('lint', str(path))
    assert done.returncode == 1
    assert 'error: node 50, What Next?: node 61 does not exist' in done.stdout
    assert 'error: node 14, Message: {FIRSTNAME} is not declared' in done.stdout
