# -*- coding: utf-8 -*-
"""The platform's own Sys* commands in flow and lint (their behaviour beyond their names is ours)."""
import json

import pytest

from local_pypestream import builtins, flowlint
from local_pypestream.runtime import make_context
from test_flow import flow, node_row, walk

CONTEXT = make_context('sandbox', {'chat_id': 'chat-9', 'user_data': {
    'last_viewed_url': 'https://shop.example/pricing', 'passthrough': json.dumps({'topic': 'billing', 'n': 2})}})


def test_assign_variable_sets_each_global_as_text():
    assert builtins.run('SysAssignVariable', {'set': {'A': 'x', 'B': 2, 'C': None, 'D': {'k': 1}}}, CONTEXT) == {
        'success': 'true', 'A': 'x', 'B': '2', 'C': '', 'D': '{"k": 1}'}
    assert builtins.run('SysAssignVariable', {'set': ['A']}, CONTEXT) == {'success': 'error'}


def test_show_metadata_copies_metadata_and_passthrough_keys_into_globals():
    payload = {'assign_metadata_vars': {'chat_id': 'CHATID', 'session_id': 'SESSION', 'page_url': 'PAGE',
                                        'platform': 'WHERE', 'nothing_known': 'NONE'},
               'passthrough_mapping': {'topic': 'TOPIC', 'n': 'N', 'absent': 'ABSENT'}}
    assert builtins.run('SysShowMetadata', payload, CONTEXT) == {
        'success': 'true', 'CHATID': 'chat-9', 'SESSION': 'chat-9', 'PAGE': 'https://shop.example/pricing',
        'WHERE': 'web', 'NONE': '', 'TOPIC': 'billing', 'N': '2', 'ABSENT': ''}


@pytest.mark.parametrize('passthrough', ['', 'not json', '[1]', '[' * 50000])
def test_show_metadata_with_passthrough_that_is_not_an_object_maps_nothing(passthrough):
    context = make_context('sandbox', {'user_data': {'passthrough': passthrough}})
    assert builtins.run('SysShowMetadata', {'passthrough_mapping': {'topic': 'TOPIC'}}, context) == {
        'success': 'true', 'TOPIC': ''}


@pytest.mark.parametrize('command', ['SysMultiMatchRouting', 'SysSetEnv', 'SysVariableReset'])
def test_the_other_commands_answer_true(command):
    assert builtins.run(command, {}, CONTEXT) == {'success': 'true'}


def test_flow_runs_the_builtins_and_lint_asks_for_no_script():
    the_flow = flow(node_row(1, 'A', command='SysAssignVariable', output='success', decision='success',
                             what_next='true~2|error~2', parameter_input='{"set": {"GREETING": "Hello"}}',
                             variable='GREETING'),
                    node_row(2, message='{GREETING}!'))
    run = walk(the_flow)
    assert run.ended == 'end' and run.transcript[-1] == {'who': 'bot', 'text': 'Hello!'}
    assert [p for p in flowlint.lint(the_flow) if p.level == 'error'] == []
    unknown = flow(node_row(1, 'A', command='SysUnknown', output='success', decision='success',
                            what_next='true~1|error~1'))
    assert ('error', 1, 'Command') in [(p.level, p.node, p.column) for p in flowlint.lint(unknown)]
