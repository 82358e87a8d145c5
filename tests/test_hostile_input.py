# -*- coding: utf-8 -*-
"""Property-based: whatever the flow hands over, the node answers, in time, and sends only what
Braze would accept as well-formed. BRAZE_SLOW=1 runs many more cases (see README)."""
import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import local_braze
from support import NODES, REASONS, BrazeUserTrack, app, assert_no_key

SLOW = os.environ.get('BRAZE_SLOW') == '1'
EXAMPLES = 3000 if SLOW else 120
DEADLINE = 2.0
NAMES = ['USER_ID', 'FIRST_NAME', 'EMAIL_ADDRESS', 'DATE_OF_BIRTH', 'NAME_OF_EVENT', 'EVENT_TIME', 'A', 'B']
PERSONAL = ['Zelda Quux', 'zelda.quux@example.com', '+15551234567', '07/04/1976']
EMAIL_ERROR = "The value provided for the 'email' field is not a valid email."

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 80), max_value=2 ** 80),
    st.floats(allow_nan=True, allow_infinity=True), st.just(10 ** 400),
    st.text(max_size=20), st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.sampled_from(['None', '', '  ', '{NOPE}', '{ USER_ID }', '{A}', '{B}', 'x' * 300, 'a@b', 'é@ü.example',
                     '1990-02-30', '02/30/1990', '2024-01-01T00:00:00Z', 'male', '{}', '{{A}}'] + PERSONAL),
    st.builds(lambda n: 'y' * n, st.integers(min_value=250, max_value=100000)),
)
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(NAMES)), inner,
                                                 max_size=4)), max_leaves=25)
references = st.fixed_dictionaries({}, optional={name: st.one_of(trees, st.sampled_from(['{A}', '{B}', '{USER_ID}']))
                                                 for name in NAMES})
events = st.lists(st.fixed_dictionaries({}, optional={'name': trees, 'time': trees, 'properties': trees,
                                                      'app_id': trees, 'extra': trees}), max_size=5)
purchases = st.lists(st.fixed_dictionaries({}, optional={
    'product_id': trees, 'currency': st.one_of(trees, st.just('usd')), 'price': trees,
    'quantity': st.one_of(trees, st.integers(0, 120)), 'time': trees, 'properties': trees}), max_size=4)
explicit = st.fixed_dictionaries({}, optional={
    'external_id': st.one_of(trees, st.text(min_size=1, max_size=12)), 'email': trees, 'phone': trees,
    'user_alias': st.one_of(trees, st.fixed_dictionaries({'alias_name': trees, 'alias_label': trees})),
    'braze_id': trees, 'attributes': st.one_of(trees, st.dictionaries(st.text(max_size=10), trees, max_size=8)),
    'events': st.one_of(trees, events), 'purchases': st.one_of(trees, purchases),
    'update_existing_only': trees})
many_events = st.integers(min_value=76, max_value=3000).map(
    lambda n: {'external_id': 'bulk', 'events': [{'name': 'e{}'.format(i)} for i in range(n)]})
payloads = st.one_of(trees, references, st.tuples(explicit, references).map(lambda p: dict(p[1], **p[0])),
                     many_events)
contexts = st.one_of(trees, st.tuples(references, st.one_of(st.just({}), references, trees)).map(
    lambda p: dict(p[0], env='sandbox', user_data=p[1])))


@pytest.fixture(scope='module')
def braze():
    with local_braze.running() as emulator:
        saved = app.PARAMS
        app.PARAMS = {'sandbox': {'braze_url': emulator.url, 'braze_api_key': emulator.api_key,
                                  'braze_user_track': 'users/track', 'braze_deadline': str(DEADLINE)}}
        try:
            yield emulator
        finally:
            app.PARAMS = saved


def test_any_input_gets_an_answer_in_time_and_only_well_formed_requests(braze, capsys):
    node = BrazeUserTrack()
    tried = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(payload=payloads, context=contexts)
    def check(payload, context):
        tried.append(1)
        lines = []
        seen = len(braze.answered)
        started = time.monotonic()
        result = node.execute(lines.append, payload, context)
        elapsed = time.monotonic() - started
        assert isinstance(result, dict) and list(result)[0] == 'success'
        assert result['success'] in ('true', 'error')
        assert all(isinstance(v, str) for v in result.values())
        assert (result.get('BRAZE_ERROR') or 'config') in REASONS  # only the documented, fixed set
        assert elapsed < DEADLINE + 0.5
        # local_braze never fails here: an error can only be about the input or Braze's verdict.
        assert result.get('BRAZE_ERROR') in ('', 'config', 'invalid_input', 'rejected', 'bad_request'), (result, lines)
        assert_no_key(lines + list(result.values()), braze.api_key)
        shown = '\n'.join(lines + list(result.values())).lower()
        assert not [value for value in PERSONAL if value.lower() in shown], lines
        for status, answer in braze.answered[seen:]:
            # Never unparseable JSON nor too many objects; the only object Braze may refuse is
            # an email the node deliberately leaves to Braze to judge.
            assert answer.get('message') != 'Max Input Length Exceeded'
            assert not answer.get('message', '').startswith('Error while parsing')
            assert all(error['type'] == EMAIL_ERROR for error in answer.get('errors', [])), answer
            assert status == 201 or answer.get('errors'), answer
        for body in braze.received[seen:]:
            json.dumps(body, allow_nan=False)
            assert sum(len(body.get(array, [])) for array in ('attributes', 'events', 'purchases')) <= 75

    check()
    with capsys.disabled():
        print('\nhostile input: {} cases tried, {} requests accepted by local_braze'.format(
            len(tried), len(braze.answered)))
    assert len(tried) >= min(EXAMPLES, 50)


fan_out = st.integers(min_value=100, max_value=6000).map(lambda n: {
    'external_id': 'fan', 'BIG': ['item-{}'.format(i) for i in range(n)],
    'events': [{'name': 'e', 'properties': {'list': '{BIG}'}}] * n,
    'attributes': {'first_name': '{BIG}', 'huge': 'n' * (1024 * 1024)}})
node_payloads = st.one_of(payloads, fan_out, st.fixed_dictionaries({}, optional={
    'globals': trees, 'canvas': trees, 'canvas_id': trees, 'campaign_id': trees, 'broadcast': trees,
    'entry_properties': trees, 'trigger_properties': trees, 'recipients': trees, 'send_to_existing_only': trees,
    'external_id': trees, 'user_alias': trees, 'email': trees, 'phone': trees, 'url': trees}))


def test_every_node_answers_any_input_in_time(braze, capsys):
    tried = []

    @settings(max_examples=max(40, EXAMPLES // 2), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(node_class=st.sampled_from(NODES), payload=node_payloads, context=contexts)
    def check(node_class, payload, context):
        tried.append(node_class.__name__)
        lines = []
        started = time.monotonic()
        result = node_class().execute(lines.append, payload, context)
        elapsed = time.monotonic() - started
        assert isinstance(result, dict) and list(result)[0] == 'success'
        assert all(isinstance(v, str) for v in result.values())
        assert (result.get('BRAZE_ERROR') or 'config') in REASONS and result.get('BRAZE_ERROR') != 'internal', lines
        assert elapsed < DEADLINE + 0.5, (node_class.__name__, elapsed)
        assert_no_key(lines + list(result.values()), braze.api_key)
        assert len(lines) <= 14

    check()
    with capsys.disabled():
        print('\nhostile input, every node: {} cases ({})'.format(
            len(tried), ', '.join('{} {}'.format(n, tried.count(n)) for n in sorted(set(tried)))))
