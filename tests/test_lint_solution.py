# -*- coding: utf-8 -*-
"""lint and flow on a solution's own files: a flow built like the published 560-node production bot
(platform entry points, built-in Sys* commands, the solution's own scripts, many unreachable nodes
behind a few entry points, upper-case route values) and a solution whose own node feeds a Braze node."""
import csv
import io
import os
import textwrap

import pytest

from local_pypestream import flowfile, flowlint
from local_pypestream import __main__ as cli
from local_pypestream import solution as solutions


def row(number, kind, **cells):
    cells.update({'Node Number': str(number), 'Node Type': kind})
    return cells


def action(number, command, routes, variables='', params=''):
    return row(number, 'A', **{'Command': command, 'Output': 'success', 'Decision Variable': 'success',
                               'What Next?': routes, 'Variable': variables, 'Parameter Input': params})


def message(number, text, next_nodes='', **cells):
    return row(number, 'D', **dict(cells, **{'Message': text, 'Next Nodes': next_nodes}))


def write_flow(path, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=flowfile.COLUMNS)
    writer.writeheader()
    for cells in rows:
        writer.writerow(cells)
    path.write_text(out.getvalue(), encoding='utf-8')
    return str(path)


UPPER = ['CLAIM_{}'.format(i) for i in range(26)]


def production_like():
    """Entry: 1 (metadata) -> 2 -> 3 (its own AssignVariable) -> 4401 (upper-case routes) -> 10; -585 and
    its 8 nodes; an intent node; 40 entry points no route leads to, 154 nodes behind them; a loop."""
    rows = [
        action(1, 'SysShowMetadata', 'true~2|error~99990', 'CHATID,SESSION_ID',
               '{"passthrough_mapping": {}, "assign_metadata_vars": {"chat_id": "CHATID", "session_id": "SESSION_ID"}}'),
        message(2, 'Hi {CHATID}', '3'),
        action(3, 'AssignVariable', 'true~4401|error~99990', 'POLICY',
               '{"input_var": "POLICY", "value": "x"}'),
        action(4401, 'ShowMetadata', '|'.join('{}~10'.format(v) for v in UPPER) + '|done~10|done~11|error~99990',
               'POLICY'),
        message(10, 'Thanks', '666'),
        message(11, 'Bye', '666'),
        message(666, 'End'),
        message(99990, 'Something went wrong', '666'),
        action(-585, 'SendTranscript', 'true~-584|error~-584'),
        message(1800, 'Sorry?', '', Intent='out_of_scope'),
    ]
    rows += [message(-584 + i, 'transcript {}'.format(i), str(-583 + i)) for i in range(6)] + [message(-578, 'end')]
    number = 5000
    for entry in range(40):  # 40 entry points, 154 nodes behind them in all (some short, some long chains)
        length = 4 if entry < 34 else 3
        chain = list(range(number, number + length))
        rows += [message(n, 'old {}'.format(n), str(n + 1) if n != chain[-1] else '') for n in chain]
        number += 100
    rows += [message(9001, 'loop a', '9002'), message(9002, 'loop b', '9001|9003'), message(9003, 'after loop')]
    return rows


def lines_of(problems):
    return [cli._describe(p) for p in problems]


def test_a_production_like_flow_without_its_actions_has_no_false_errors(tmp_path):
    flow = flowfile.read(write_flow(tmp_path / 'bot.csv', production_like()))
    found = flowlint.lint(flow, None)
    shown = lines_of(found)
    assert [line for line in shown if line.startswith('error')] == []
    assert [line for line in shown if 'not checked' in line] == [
        'warning: file, Command: Command classes not checked: no solution (app.py beside actions/) at or above '
        'the flow; pass --solution DIR']
    node = [line for line in shown if line.startswith('warning: node 4401,')]
    # upper-case route values (CLAIM_0..., as US state codes in a real flow) are accepted: no warning
    assert node == ["warning: node 4401, What Next?: route value 'done' has two destinations; the first wins"]
    unreachable = [line for line in shown if 'cannot be reached' in line]
    assert len(unreachable) == 41  # one per entry point, one for the loop: not one per node
    assert unreachable[0] == 'warning: node 5000, Node Number: no route leads here: this node and the 3 after it ' \
                             'cannot be reached'
    assert unreachable[-1] == 'warning: node 9001, Node Number: nodes 9001, 9002 form a loop that nothing ' \
                              'enters: 3 node(s) cannot be reached'
    assert not [line for line in shown if 'node -58' in line or 'node 1800' in line]


def test_lint_from_the_command_line_exits_0_with_one_not_checked_warning(tmp_path, capsys):
    path = write_flow(tmp_path / 'bot.csv', production_like())
    assert cli.main(['lint', path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum('not checked' in line for line in out) == 1 and out[-1] == '0 error(s), 43 warning(s)'
    assert all(line.split(':', 1)[0] in ('error', 'warning') for line in out[:-1])


def test_lint_checks_commands_against_the_solutions_own_actions(tmp_path, capsys):
    root = tmp_path / 'solution'
    (root / 'actions').mkdir(parents=True)
    (root / 'app.py').write_text('PARAMS = {}\n')
    (root / 'actions' / 'AssignVariable.py').write_text('class AssignVariable(object):\n    pass\n')
    (root / 'actions' / 'SendTranscript.py').write_text('class SendTranscript:\n    pass\n')
    (root / 'flows').mkdir()
    path = write_flow(root / 'flows' / 'bot.csv', production_like())
    assert cli.main(['lint', path]) == 1  # found at or above the CSV
    out = capsys.readouterr().out
    assert 'error: node 4401, Command: no class ShowMetadata in actions/ShowMetadata.py' in out
    assert 'AssignVariable' not in out and 'SendTranscript' not in out and 'not checked' not in out
    assert out.strip().endswith('1 error(s), 42 warning(s)')
    elsewhere = write_flow(tmp_path / 'bot.csv', production_like())
    assert cli.main(['lint', elsewhere, '--solution', str(root)]) == 1
    assert 'no class ShowMetadata' in capsys.readouterr().out
    assert cli.main(['lint', elsewhere, '--solution', str(tmp_path / 'nowhere')]) == 1
    assert 'is not a solution folder' in capsys.readouterr().err


def test_a_global_named_only_in_an_output_is_bot_managers_compile_error(tmp_path):
    rows = [row(1, 'A', **{'Command': 'SysAssignVariable', 'Output': 'success,FIRST_NAME',
                           'Decision Variable': 'success', 'What Next?': 'true~2|error~2',
                           'Parameter Input': '{"set": {"FIRST_NAME": "Ava"}}'}),
            message(2, 'Hello {FIRST_NAME}, {NOBODY}')]
    found = lines_of(flowlint.lint(flowfile.read(write_flow(tmp_path / 'f.csv', rows)), None))
    assert 'error: node 2, Message: {FIRST_NAME} is not declared (only an action\'s Output names it, which ' \
           'declares nothing): Bot Manager refuses the flow with "Referenced global variable does not exist"; ' \
           'list it in the Variable column of the node that sets it' in found
    assert 'error: node 2, Message: {NOBODY} is not declared (no Variable column, Node Input or platform variable ' \
           'names it): Bot Manager refuses the flow with "Referenced global variable does not exist"; list it in ' \
           'the Variable column of the node that sets it' in found


@pytest.mark.parametrize('entry', [-500, -585, 99990])
def test_the_platforms_handlers_and_their_nodes_are_reachable(tmp_path, entry):
    rows = [message(1, 'hi'), message(entry, 'handler', '7'), message(7, 'after the handler')]
    found = lines_of(flowlint.lint(flowfile.read(write_flow(tmp_path / 'f.csv', rows)), None))
    assert not [line for line in found if 'reached' in line]


# --- flow --solution: the solution's own node and a Braze node in one run ----------------------------

OWN = textwrap.dedent('''\
    class CaptureName(object):
        def execute(self, log, payload=None, context=None):
            log('CaptureName: ran')
            return {'success': 'true', 'FIRST_NAME': 'Ava'}
    ''')


def test_flow_runs_a_solutions_own_node_and_the_braze_nodes_together(tmp_path, braze, capsys, monkeypatch):
    from local_pypestream import install
    root = tmp_path / 'solution'
    (root / 'actions').mkdir(parents=True)
    (root / 'actions' / 'CaptureName.py').write_text(OWN)
    (root / 'app.py').write_text("PARAMS = {\n    'sandbox': {\n        'braze_url': %r,\n        'braze_api_key': %r,\n"
                                 "    },\n}\n" % (braze.url, braze.api_key))
    assert install.install(str(root), nodes=['BrazeUserTrack'], out=lambda line: None) == 0
    rows = [action(1, 'CaptureName', 'true~2|error~9', 'FIRST_NAME'),
            action(2, 'BrazeUserTrack', 'true~3|error~9', 'FIRST_NAME,BRAZE_ERROR',
                   '{"external_id": "u-77", "attributes": {"first_name": "{FIRST_NAME}"}}'),
            message(3, 'Saved, {FIRST_NAME}', '666'), message(9, 'error {BRAZE_ERROR}', '666'), message(666, 'bye')]
    path = write_flow(root / 'journey.csv', rows)
    monkeypatch.setattr(solutions, '_selected', [])
    monkeypatch.delenv('LOCAL_PYPESTREAM_SERVICES', raising=False)
    assert cli.main(['flow', path, '--turns', write_turns(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert 'log: CaptureName: ran' in out and 'bot:  Saved, Ava' in out
    assert 'path: 1 -> 2 -> 3 -> 666' in out
    [profile] = braze.profiles()
    assert (profile['external_id'], profile['first_name']) == ('u-77', 'Ava')
    assert solutions.selected_root() == str(root)


def write_turns(tmp_path):
    path = tmp_path / 'turns.json'
    path.write_text('[]')
    return str(path)


def test_flow_with_a_broken_solution_app_is_a_finding_not_a_traceback(tmp_path, capsys, monkeypatch):
    root = tmp_path / 'solution'
    (root / 'actions').mkdir(parents=True)
    (root / 'app.py').write_text('PARAMS = {\n')
    path = write_flow(root / 'f.csv', [message(1, 'hi')])
    monkeypatch.setattr(solutions, '_selected', [])
    assert cli.main(['flow', path, '--turns', write_turns(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('cannot import {}: SyntaxError'.format(os.path.join(str(root), 'app.py')))
