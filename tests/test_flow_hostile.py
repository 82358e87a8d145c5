# -*- coding: utf-8 -*-
"""lint and flow answer a hostile flow file with a finding that names the problem and the cell, and
exit 1, never a traceback; flow prints what a node or a user wrote as data, never as terminal control."""
import json


from local_pypestream import flowrun
from test_flow import HEADER, flow, node_row, run_cli, walk

DEEP = '[' * 40000 + ']' * 40000  # deeper than any parser's recursion, within the cell limit


def write(tmp_path, text, encoding='utf-8'):
    path = tmp_path / 'hostile.csv'
    path.write_bytes(text.encode(encoding))
    return str(path)


def lint_and_flow(path):
    return [run_cli(command, path) for command in ('lint', 'flow')]


def assert_clean_failure(done, *words):
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Traceback' not in done.stdout + done.stderr
    shown = done.stdout + done.stderr
    for word in words:
        assert word in shown, shown


def test_a_cell_over_128_kib_is_an_error_naming_its_line(tmp_path):
    path = write(tmp_path, '\n'.join([HEADER, node_row(1, message='hi'), node_row(2, message='x' * (200 * 1024))]))
    for done in lint_and_flow(path):
        assert_clean_failure(done, 'line 3', 'over 128 KiB')


def test_a_windows_1252_file_says_how_to_save_it_as_utf8(tmp_path):
    path = write(tmp_path, '\n'.join([HEADER, node_row(1, message='Café – déjà vu'), '']), encoding='cp1252')
    for done in lint_and_flow(path):
        assert_clean_failure(done, 'not UTF-8', 'line 2', "CSV UTF-8")


def test_deeply_nested_parameter_input_is_a_finding_on_its_cell(tmp_path):
    row = node_row(1, 'A', command='BrazeUserTrack', output='success', decision='success',
                   what_next='true~2|error~2', parameter_input='{"a": ' + DEEP + '}')
    path = write(tmp_path, '\n'.join([HEADER, row, node_row(2), '']))
    done = run_cli('lint', path)
    assert_clean_failure(done, 'node 1, Parameter Input', 'nested too deeply')


def test_deeply_nested_quick_replies_are_a_finding_for_lint_and_an_error_end_for_flow(tmp_path):
    row = node_row(1, rich_type='quick_reply', rich_content='{"type": "static", "options": ' + DEEP + '}',
                   message='Pick one')
    path = write(tmp_path, '\n'.join([HEADER, row, '']))
    lint, run = lint_and_flow(path)
    assert_clean_failure(lint, 'node 1, Rich Asset Content', 'nested too deeply')
    assert_clean_failure(run, 'ended: error', 'node 1: Rich Asset Content')


def test_an_unreadable_path_is_a_finding(tmp_path):
    for done in lint_and_flow(str(tmp_path / 'missing.csv')):
        assert_clean_failure(done, 'cannot be read')


def test_flow_prints_forged_lines_and_escape_codes_as_visible_escapes(tmp_path):
    forged = 'gold\r\n  BRAZE_ERROR = forged\x1b]2;title\x07\u202e'
    rows = [node_row(1, message='Your name?', answer_required='1', next_nodes='2', variable='NAME'),
            node_row(2, message='Hello {NAME}')]
    path = write(tmp_path, '\n'.join([HEADER] + rows + ['']))
    turns = tmp_path / 'turns.json'
    turns.write_text(json.dumps([forged]))
    done = run_cli('flow', path, '--turns', str(turns))
    assert done.returncode == 0 and 'Traceback' not in done.stderr
    assert '\x1b' not in done.stdout and '\r' not in done.stdout and '\u202e' not in done.stdout
    assert '\n  BRAZE_ERROR = forged' not in done.stdout
    assert 'user: gold\\x0d\\x0a  BRAZE_ERROR = forged\\x1b]2;title\\x07\\u202e' in done.stdout


def test_a_typed_reference_is_never_expanded_a_second_time_by_the_node(monkeypatch):
    seen = []

    class Spy(object):
        def execute(self, log, payload=None, context=None):
            seen.append(payload)
            return {'success': 'true'}

    monkeypatch.setattr(flowrun, 'run_node', lambda name, payload, context, log: Spy().execute(log, payload, context))
    the_flow = flow(node_row(1, message='Customer number?', answer_required='1', next_nodes='2', variable='USER_ID'),
                    node_row(2, 'A', command='Spy', output='success', decision='success', what_next='true~3',
                             parameter_input='{"external_id": "{USER_ID}", "note": "id {USER_ID}"}',
                             variable='USER_ID'),
                    node_row(3))
    walk(the_flow, ['{CRM_TOKEN}'], CRM_TOKEN='secret-crm-token')
    [payload] = seen
    assert payload['external_id'] == flowrun.UNSET  # never "{CRM_TOKEN}", which the node would resolve
    assert payload['note'] == 'id {CRM_TOKEN}'      # inside longer text it is only text
    assert 'secret-crm-token' not in json.dumps(payload)


def test_the_real_node_never_sends_a_global_named_by_a_typed_reference(braze):
    the_flow = flow(node_row(1, message='Customer number?', answer_required='1', next_nodes='2', variable='USER_ID'),
                    node_row(2, 'A', command='BrazeUserTrack', output='success', decision='success',
                             what_next='true~3|error~3', parameter_input='{"external_id": "{USER_ID}"}',
                             variable='USER_ID'),
                    node_row(3))
    run = walk(the_flow, ['{CRM_TOKEN}'], CRM_TOKEN='secret-crm-token')
    assert 'secret-crm-token' not in json.dumps(braze.requests)
    assert run.globals['success'] == 'error' and run.globals['BRAZE_ERROR'] == 'invalid_input'
