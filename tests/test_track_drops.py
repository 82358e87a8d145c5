# -*- coding: utf-8 -*-
"""BrazeUserTrack on each kind of bad or unusual input: the exact result, every log line and every
body sent. A changed label, reason, literal flag or loop exit in building fails here."""
import json

import pytest
import responses

from support import shown, API_KEY, URL, FakeClock, app, load_node

BrazeUserTrack = load_node('BrazeUserTrack')

# (name, Parameter Input, Braze's 201 body or None for plain success, result, log lines, bodies sent)
CASES = [('attributes not object',
  {'external_id': 'u', 'attributes': ['x']},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'attributes'},
  ['BrazeUserTrack: dropped attributes: must be an object of attribute names and values',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u'}], 'partner': 'pypestream'}]),
 ('events not list',
  {'external_id': 'u', 'events': 'x'},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'events'},
  ['BrazeUserTrack: dropped events: must be a list of objects',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u'}], 'partner': 'pypestream'}]),
 ('one event as object',
  {'external_id': 'u', 'events': {'name': 'e', 'time': '2026-01-01T00:00:00Z'}},
  None,
  {'success': 'true'},
  ['BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'events': [{'external_id': 'u', 'name': 'e', 'time': '2026-01-01T00:00:00+00:00'}], 'partner': 'pypestream'}]),
 ('event not object',
  {'external_id': 'u', 'events': ['x']},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'events[0]'},
  ['BrazeUserTrack: dropped events[0]: must be an object',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u'}], 'partner': 'pypestream'}]),
 ('event unknown then name',
  {'external_id': 'u', 'events': [{'foo': 1, 'name': 'e', 'time': '2026-01-01T00:00:00Z'}]},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'events[0].foo'},
  ['BrazeUserTrack: dropped events[0].foo: not a field of this object',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'events': [{'external_id': 'u', 'name': 'e', 'time': '2026-01-01T00:00:00+00:00'}], 'partner': 'pypestream'}]),
 ('event missing then name',
  {'external_id': 'u', 'events': [{'app_id': None, 'name': 'e', 'time': '2026-01-01T00:00:00Z'}]},
  None,
  {'success': 'true'},
  ['BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'events': [{'external_id': 'u', 'name': 'e', 'time': '2026-01-01T00:00:00+00:00'}], 'partner': 'pypestream'}]),
 ('event bad time',
  {'external_id': 'u', 'events': [{'name': 'e', 'time': 'yesterday'}]},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'events[0].time'},
  ['BrazeUserTrack: dropped events[0].time: not an ISO-8601 date-time; sent with the current time',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'events': [{'external_id': 'u', 'name': 'e', 'time': '2023-11-14T22:13:20+00:00'}], 'partner': 'pypestream'}]),
 ('purchase needs',
  {'external_id': 'u', 'purchases': [{'price': 1}]},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'purchases[0]'},
  ['BrazeUserTrack: dropped purchases[0]: needs product_id, currency',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u'}], 'partner': 'pypestream'}]),
 ('id 988',
  {'external_id': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'},
  None,
  {'success': 'error', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeUserTrack: error reason=invalid_input: nothing sent: external_id is not usable as an identifier: longer '
   'than 987 bytes'],
  []),
 ('id int',
  {'external_id': 12345},
  None,
  {'success': 'true'},
  ['BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': '12345'}], 'partner': 'pypestream'}]),
 ('alias part missing',
  {'user_alias': {'alias_name': 'a'}},
  None,
  {'success': 'error', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeUserTrack: error reason=invalid_input: nothing sent: user_alias.alias_label is missing'],
  []),
 ('email id and attribute',
  {'email': 'a@b.example', 'attributes': {'email': 'c@d.example', 'plan': 'p'}},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'attributes.email'},
  ['BrazeUserTrack: dropped attributes.email: identifiers go at the top level of the input',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'email': 'a@b.example', 'plan': 'p'}], 'partner': 'pypestream'}]),
 ('text not object',
  '[1]',
  None,
  {'success': 'error', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeUserTrack: error reason=invalid_input: nothing sent: the Parameter Input is text but not a JSON object'],
  []),
 ('seed no user',
  {'FIRST_NAME': 'Ava'},
  None,
  {'success': 'error', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeUserTrack: error reason=invalid_input: nothing sent: USER_ID is not set, so there is no external_id to '
   'record this user under (or use the explicit form with external_id, user_alias, email or phone)'],
  []),
 ('seed keeps flag',
  {'USER_ID': 'u-1', 'FIRST_NAME': 'Ava', 'update_existing_only': 'true'},
  None,
  {'success': 'error', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeUserTrack: error reason=invalid_input: nothing sent: no identifier: set one of external_id, user_alias, '
   'braze_id, email, phone (each one given resolved to nothing)'],
  []),
 ('attributes from a global',
  {'external_id': 'u', 'attributes': '{ATTRS}', 'ATTRS': {'plan': '{PLAN}'}, 'PLAN': 'gold'},
  None,
  {'success': 'true'},
  ['BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u'}], 'partner': 'pypestream'}]),
 ('events from a global',
  {'external_id': 'u', 'events': '{EVS}', 'EVS': [{'name': '{N}', 'time': '2026-01-01T00:00:00Z'}], 'N': 'x'},
  None,
  {'success': 'true', 'BRAZE_DROPPED': 'events[0]'},
  ['BrazeUserTrack: dropped events[0]: needs name',
   'BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u'}], 'partner': 'pypestream'}]),
 ('email extra literal',
  {'external_id': 'u', 'email': '{MAIL}', 'MAIL': 'a@b.example'},
  None,
  {'success': 'true'},
  ['BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u', 'email': 'a@b.example'}], 'partner': 'pypestream'}]),
 ('nested attr ref',
  {'external_id': 'u', 'attributes': {'prefs': {'color': '{C}'}}, 'C': 'red'},
  None,
  {'success': 'true'},
  ['BrazeUserTrack: success status=201 attempts=1 elapsed_ms=0 objects=1 requests=1'],
  [{'attributes': [{'external_id': 'u', 'prefs': {'color': 'red'}}], 'partner': 'pypestream'}]),
 ('refused six',
  {'external_id': 'u',
   'events': [{'name': 'e0', 'time': '2026-01-01T00:00:00Z'},
              {'name': 'e1', 'time': '2026-01-01T00:00:00Z'},
              {'name': 'e2', 'time': '2026-01-01T00:00:00Z'},
              {'name': 'e3', 'time': '2026-01-01T00:00:00Z'},
              {'name': 'e4', 'time': '2026-01-01T00:00:00Z'},
              {'name': 'e5', 'time': '2026-01-01T00:00:00Z'}]},
  {'message': 'success',
   'errors': [{'type': 'bad', 'input_array': 'events', 'index': 0},
              {'type': 'bad', 'input_array': 'events', 'index': 1},
              {'type': 'bad', 'input_array': 'events', 'index': 2},
              {'type': 'bad', 'input_array': 'events', 'index': 3},
              {'type': 'bad', 'input_array': 'events', 'index': 4},
              {'type': 'bad', 'input_array': 'events', 'index': 5}]},
  {'success': 'error',
   'BRAZE_ERROR': 'rejected',
   'BRAZE_REJECTED': 'events[0]: bad; events[1]: bad; events[2]: bad; events[3]: bad; events[4]: bad; events[5]: '
                     'bad'},
  ['BrazeUserTrack: refused by Braze: events[0]: bad',
   'BrazeUserTrack: refused by Braze: events[1]: bad',
   'BrazeUserTrack: refused by Braze: events[2]: bad',
   'BrazeUserTrack: refused by Braze: events[3]: bad',
   'BrazeUserTrack: refused by Braze: events[4]: bad',
   'BrazeUserTrack: 1 more refused inputs not listed here',
   'BrazeUserTrack: error reason=rejected status=201 attempts=1 elapsed_ms=0 objects=6 requests=1: Braze refused '
   'part of the request'],
  [{'events': [{'external_id': 'u', 'name': 'e0', 'time': '2026-01-01T00:00:00+00:00'},
               {'external_id': 'u', 'name': 'e1', 'time': '2026-01-01T00:00:00+00:00'},
               {'external_id': 'u', 'name': 'e2', 'time': '2026-01-01T00:00:00+00:00'},
               {'external_id': 'u', 'name': 'e3', 'time': '2026-01-01T00:00:00+00:00'},
               {'external_id': 'u', 'name': 'e4', 'time': '2026-01-01T00:00:00+00:00'},
               {'external_id': 'u', 'name': 'e5', 'time': '2026-01-01T00:00:00+00:00'}],
    'partner': 'pypestream'}])]


def call(payload, answer):
    """One call with the ``params`` fixture's settings (the tests that use this take it)."""
    clock = FakeClock()
    node = BrazeUserTrack(clock=clock, sleep=clock.sleep, rand=lambda: 0.5, wall=lambda: 1700000000.0)
    lines = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, URL + '/users/track', json=answer or {'message': 'success'}, status=201)
        result = node.execute(lines.append, payload, {'env': 'sandbox'})
        bodies = [json.loads(sent.request.body) for sent in mock.calls]
    return result, lines, bodies


@pytest.mark.parametrize('name, payload, answer, result, lines, bodies', CASES, ids=[case[0] for case in CASES])
def test_each_input_gets_its_exact_result_lines_and_bodies(params, name, payload, answer, result, lines, bodies):
    got, said, sent = call(payload, answer)
    assert (shown(got), said, sent) == (result, lines, bodies)
    assert list(got)[0] == 'success'


def test_an_external_id_of_987_bytes_is_sent_whole(params):
    result, lines, bodies = call({'external_id': 'x' * 987}, None)
    assert shown(result) == {'success': 'true'} and bodies[0]['attributes'] == [{'external_id': 'x' * 987}]
