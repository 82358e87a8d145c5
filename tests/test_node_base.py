# -*- coding: utf-8 -*-
"""BrazeNode itself, through a node of the test's own: what it hands the flow and the exact outcome line
for an unexpected exception, non-text values, a missing success, blanks and a transport given for tests."""
import requests

from support import shown, API_KEY, URL, FakeClock, Logs, load_module

braze_node = load_module('actions.braze_node')
braze_input = load_module('actions.braze_input')
declarations = load_module('actions.braze_declarations')


class Scripted(braze_node.BrazeNode):
    """A node whose run() is the test's: ``then`` is called with the call and returns or raises."""

    def __init__(self, then, blanks=None, **options):
        braze_node.BrazeNode.__init__(self, **options)
        self.then, self._blanks = then, blanks or {}

    def blanks(self, payload):
        return dict(self._blanks)

    def run(self, call, payload, context):
        return self.then(call)


SANDBOX = object()


def execute(node, context=SANDBOX):
    logs = Logs()
    return node.execute(logs, {}, {'env': 'sandbox'} if context is SANDBOX else context), logs


def test_an_unexpected_exception_is_internal_with_the_time_it_took(params):
    clock = FakeClock(start=100.0)

    def boom(call):
        clock.now += 0.25
        raise KeyError('secret detail')

    result, logs = execute(Scripted(boom, clock=clock))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'internal'}
    assert logs == ['Scripted: error reason=internal elapsed_ms=250: unexpected KeyError']


def test_values_become_text_success_is_first_and_error_when_missing(params):
    result, _ = execute(Scripted(lambda call: {'COUNT': 5, 'FLAG': False, 'success': 'true', 'TEXT': 'x'}))
    assert list(result.items()) == [('success', 'true'), ('COUNT', '5'), ('FLAG', 'False'), ('TEXT', 'x')]
    result, _ = execute(Scripted(lambda call: {'BRAZE_ID': 'b-1'}))
    assert shown(result) == {'success': 'error', 'BRAZE_ID': 'b-1'}


def test_blanks_are_set_on_every_result(params):
    blanks = {'BRAZE_ID': None, 'FIRST_NAME': None}
    result, _ = execute(Scripted(lambda call: {'success': 'true', 'FIRST_NAME': 'Ava'}, blanks=blanks))
    assert result == {'success': 'true', 'BRAZE_ID': '', 'FIRST_NAME': 'Ava'}
    result, _ = execute(Scripted(lambda call: {'success': 'false'}, blanks=blanks))
    assert shown(result) == {'success': 'false', 'BRAZE_ID': '', 'FIRST_NAME': ''}
    result, _ = execute(Scripted(lambda call: {'success': 'error', 'BRAZE_ERROR': 'timeout'}, blanks=blanks))
    assert shown(result) == {'success': 'error', 'BRAZE_ID': '', 'FIRST_NAME': '', 'BRAZE_ERROR': 'timeout'}


def test_the_key_is_masked_in_what_reaches_the_flow_even_in_a_non_text_value(params):
    class Holder(object):
        def __str__(self):
            return 'token ' + API_KEY

    result, _ = execute(Scripted(lambda call: {'success': 'true', 'ECHO': Holder()}))
    assert API_KEY not in result['ECHO'] and result['ECHO'].startswith('token ')


def test_a_context_that_is_not_a_dict_is_a_config_error_not_a_crash(params):
    for context in (None, 'sandbox', ['env']):
        result, logs = execute(Scripted(lambda call: {'success': 'true'}), context=context)
        assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'config'}
        assert logs == ["Scripted: error reason=config: configuration problem: context['env'] is missing: "
                        "expected 'sandbox' or 'live'"]


class Refusing(requests.adapters.BaseAdapter):
    """A transport given to the node (the keyword exists for tests): records, then fails to connect."""

    def __init__(self):
        super(Refusing, self).__init__()
        self.sent = []

    def send(self, request, **options):
        self.sent.append((request.method, request.url))
        raise requests.exceptions.ConnectionError('refused by the test transport')

    def close(self):
        pass


def test_a_transport_given_to_the_node_is_the_one_used(params):
    transport = Refusing()
    clock = FakeClock()

    def post(call):
        sent = call.send(braze_input.Request(declarations.TRACK, b'{"attributes":[{"external_id":"u"}]}', [], True))
        return {'success': 'true' if sent.verdict.reason is None else 'error'}

    result, _ = execute(Scripted(post, transport=transport, clock=clock, sleep=clock.sleep, rand=lambda: 0.5))
    assert result['success'] == 'error'
    assert transport.sent and set(transport.sent) == {('POST', URL + '/users/track')}


def test_the_internal_error_line_gives_the_time_in_whole_milliseconds(params):
    clock = FakeClock(start=100.0)

    def boom(call):
        clock.now += 2.0
        raise KeyError('secret detail')
    result, logs = execute(Scripted(boom, clock=clock, sleep=clock.sleep))
    assert logs == ['Scripted: error reason=internal elapsed_ms=2000: unexpected KeyError']
