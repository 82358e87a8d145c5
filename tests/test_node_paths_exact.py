# -*- coding: utf-8 -*-
"""More paths of every node, each with its exact result, every log line and every request sent
(path and body): the identifier kinds a trigger takes, the words of each refusal, a null attribute,
a 403 while looking up, the default alias label, an answer too large to read, the two reasons a
retry does not happen, and summary paths of a lookup."""
import json

import pytest
import responses

from support import shown, API_KEY, SANDBOX, URL, FakeClock, app, load_node

BIG = {'message': 'success', 'pad': 'x' * (1100 * 1024)}   # over the 1 MiB the node reads of an answer
HEADERS = {'track 429 beyond deadline': {'X-RateLimit-Reset': '1700000030'}}   # 30 s after the node's wall clock

# (name, node, Parameter Input, Braze's answers as (path, status, body), result, log lines, requests sent)
CASES = [('canvas broadcast word',
  'BrazeCanvasTrigger',
  {'canvas_id': 'cv', 'external_id': 'c', 'broadcast': 'maybe'},
  [],
  {'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeCanvasTrigger: error reason=invalid_input: nothing sent: broadcast: expected true or false'],
  []),
 ('canvas segment',
  'BrazeCanvasTrigger',
  {'canvas_id': 'cv', 'external_id': 'c', 'segment_id': 's'},
  [],
  {'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeCanvasTrigger: error reason=invalid_input: nothing sent: "segment_id" is refused: a chat sends to its one '
   'user only'],
  []),
 ('canvas braze_id only',
  'BrazeCanvasTrigger',
  {'canvas_id': 'cv', 'braze_id': 'b1'},
  [],
  {'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_DROPPED': 'braze_id', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeCanvasTrigger: dropped braze_id: not a BrazeCanvasTrigger key (its keys: canvas, canvas_id, external_id, '
   'user_alias, attributes, send_to_existing_only, broadcast, entry_properties, canvas_entry_properties, context)',
   'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: no identifier: USER_ID is not set (external_id is '
   '"{USER_ID}"): set it in the flow before this node, or give one of external_id, user_alias'],
  []),
 ('canvas name not text',
  'BrazeCanvasTrigger',
  {'canvas': ['welcome'], 'external_id': 'c'},
  [],
  {'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
  ['BrazeCanvasTrigger: error reason=invalid_input: nothing sent: canvas: expected text, got list'],
  []),
 ('canvas attribute null',
  'BrazeCanvasTrigger',
  {'canvas': 'welcome', 'external_id': 'c', 'attributes': {'first_name': None, 'plan': 'gold'}},
  [('/canvas/trigger/send', 201, {'dispatch_id': 'dddddddddddddddddddddddddddddddd', 'message': 'success'})],
  {'success': 'true', 'BRAZE_DISPATCH_ID': 'dddddddddddddddddddddddddddddddd'},
  ['BrazeCanvasTrigger: sent status=201 attempts=1 elapsed_ms=0'],
  [('/canvas/trigger/send',
    {'canvas_id': 'cv-1',
     'recipients': [{'external_user_id': 'c', 'attributes': {'first_name': None, 'plan': 'gold'}}],
     'broadcast': False})]),
 ('identify export 403',
  'BrazeUserIdentify',
  {'external_id': 'c'},
  [('/users/export/ids', 403, {'message': 'Access Denied'})],
  {'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'forbidden'},
  ['BrazeUserIdentify: error reason=forbidden status=403 attempts=1 elapsed_ms=0: looking up: the key lacks the '
   'users.export.ids permission, the workspace is inactive, or an IP allowlist blocks this host'],
  [('/users/export/ids',
    {'external_ids': ['c'],
     'user_aliases': [{'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}],
     'fields_to_export': ['braze_id', 'external_id', 'user_aliases']})]),
 ('identify default label',
  'BrazeUserIdentify',
  {'external_id': 'c', 'user_alias': {'alias_name': 'chat-9'}},
  [('/users/export/ids', 201, {'users': [], 'message': 'success'})],
  {'success': 'true', 'BRAZE_IDENTIFIED': 'none'},
  ['BrazeUserIdentify: none elapsed_ms=0: no profile holds this chat\'s alias (alias_label "pypestream_chat"), and '
   'the customer is not in Braze: record the chat with BrazeUserTrack under this alias_label first, the same label '
   'in both nodes'],
  [('/users/export/ids',
    {'external_ids': ['c'],
     'user_aliases': [{'alias_name': 'chat-9', 'alias_label': 'pypestream_chat'}],
     'fields_to_export': ['braze_id', 'external_id', 'user_aliases']})]),
 ('track answer too large',
  'BrazeUserTrack',
  {'external_id': 'c', 'attributes': {'plan': 'gold'}},
  [('/users/track',
    201,
    {'message': 'success',
     'pad': 'x' * (1100 * 1024)})],
  {'success': 'error', 'BRAZE_ERROR': 'unexpected'},
  ['BrazeUserTrack: error reason=unexpected status=201 attempts=1 elapsed_ms=0 objects=0 requests=1: answer 201 '
   'with message null instead of "success"; an answer over 1024 KiB was not read'],
  [('/users/track', {'attributes': [{'external_id': 'c', 'plan': 'gold'}], 'partner': 'pypestream'})]),
 ('track events 503 not resent',
  'BrazeUserTrack',
  {'external_id': 'c', 'events': [{'name': 'e', 'time': '2026-01-01T00:00:00Z'}]},
  [('/users/track', 503, {'message': 'busy'})],
  {'success': 'error', 'BRAZE_ERROR': 'unavailable'},
  ['BrazeUserTrack: error reason=unavailable status=503 attempts=1 elapsed_ms=0 objects=0 requests=1: Braze '
   'answered 503; not resent: Braze may have recorded it, and a second copy would count twice'],
  [('/users/track',
    {'events': [{'external_id': 'c', 'name': 'e', 'time': '2026-01-01T00:00:00+00:00'}],
     'partner': 'pypestream'})]),
 ('track 429 beyond deadline',
  'BrazeUserTrack',
  {'external_id': 'c', 'attributes': {'plan': 'gold'}},
  [('/users/track', 429, {'message': 'slow down'})],
  {'success': 'error', 'BRAZE_ERROR': 'rate_limited'},
  ['BrazeUserTrack: error reason=rate_limited status=429 attempts=1 elapsed_ms=0 objects=0 requests=1: rate '
   'limited by Braze; the wait of 30.0 s does not fit in the deadline'],
  [('/users/track', {'attributes': [{'external_id': 'c', 'plan': 'gold'}], 'partner': 'pypestream'})]),
 ('link url not text',
  'BrazeVerifyLink',
  {'url': 5},
  [],
  {'success': 'error',
   'BRAZE_LINK_EXTERNAL_ID': '',
   'BRAZE_LINK_COHORT': '',
   'BRAZE_LINK_ROUTE': 'error',
   'BRAZE_ERROR': 'invalid_input'},
  ['BrazeVerifyLink: error reason=invalid_input: nothing sent: "url" must be the text of a URL'],
  []),
 ('lookup first and last',
  'BrazeUserLookup',
  {'external_id': 'c',
   'globals': {'FIRST': 'custom_events.e.first', 'LAST': 'custom_events.e.last', 'N': 'custom_events.e.count'}},
  [('/users/export/ids',
    201,
    {'users': [{'external_id': 'c',
                'braze_id': 'b',
                'custom_events': [{'name': 'e',
                                   'first': '2026-01-01T00:00:00.000Z',
                                   'last': '2026-02-01T00:00:00.000Z',
                                   'count': 3}]}],
     'message': 'success'})],
  {'success': 'true',
   'FIRST': '2026-01-01T00:00:00.000Z',
   'LAST': '2026-02-01T00:00:00.000Z',
   'N': '3',
   'BRAZE_ID': 'b',
   'BRAZE_EXTERNAL_ID': 'c'},
  ['BrazeUserLookup: found status=201 attempts=1 elapsed_ms=0'],
  [('/users/export/ids',
    {'external_ids': ['c'], 'fields_to_export': ['braze_id', 'custom_events', 'external_id']})])]


@pytest.mark.parametrize('name, node_name, payload, answers, result, lines, sent', CASES, ids=[c[0] for c in CASES])
def test_each_path_gives_its_exact_result_lines_and_requests(monkeypatch, name, node_name, payload, answers,
                                                             result, lines, sent):
    clock = FakeClock()
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {
        'braze_url': URL, 'braze_api_key': API_KEY, 'braze_canvases': {'welcome': 'cv-1'},
        'braze_link_secrets': {'k1': 'a-link-secret-of-thirty-two-chars!!'}}})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for path, status, answer in answers:
            mock.add(responses.POST, URL + path, status=status, body=json.dumps(answer), headers=HEADERS.get(name, {}))
        logged = []
        node = load_node(node_name)(clock=clock, sleep=clock.sleep, rand=lambda: 0.5, wall=lambda: 1700000000.0)
        got = node.execute(logged.append, payload, dict(SANDBOX))
        requests_sent = [(call.request.url[len(URL):], json.loads(call.request.body)) for call in mock.calls]
    assert (shown(got), logged, requests_sent) == (result, lines, sent)
