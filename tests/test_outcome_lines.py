# -*- coding: utf-8 -*-
"""Every node's outcome on each path, exactly: the result the flow sees, the outcome line (its facts
and its words), and how many requests went out. A changed message, a lost argument, a wrong
permission in a 403's explanation or a retry that should not happen fails here."""
import json

import pytest
import responses

from support import shown, API_KEY, SANDBOX, URL, FakeClock, app, load_node

# name: (node, Parameter Input, Braze's answers in order as (path, status, body)).
CASES = [

    ('identify export 401', 'BrazeUserIdentify', {'external_id': 'c'}, [('/users/export/ids', 401, {'message': 'Invalid API key: x'})]),
    ('identify export 503 then ok', 'BrazeUserIdentify', {'external_id': 'c'}, [('/users/export/ids', 503, {}), ('/users/export/ids', 201, {'users': [], 'message': 'success'})]),
    ('identify step 403', 'BrazeUserIdentify', {'external_id': 'c'}, [('/users/export/ids', 201, {'users': [{'external_id': None, 'braze_id': 'b', 'user_aliases': [{'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}]}], 'message': 'success'}), ('/users/identify', 403, {'message': 'Access Denied'})]),
    ('identify merged', 'BrazeUserIdentify', {'external_id': 'c'}, [('/users/export/ids', 201, {'users': [{'external_id': 'c', 'braze_id': 'k', 'user_aliases': []}, {'braze_id': 'b', 'user_aliases': [{'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}]}], 'message': 'success'}), ('/users/merge', 202, {'message': 'success'})]),
    ('identify conflict', 'BrazeUserIdentify', {'external_id': 'c'}, [('/users/export/ids', 201, {'users': [{'external_id': 'other', 'braze_id': 'b', 'user_aliases': [{'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}]}], 'message': 'success'})]),
    ('lookup 403', 'BrazeUserLookup', {'external_id': 'c'}, [('/users/export/ids', 403, {'message': 'Access Denied'})]),
    ('lookup found', 'BrazeUserLookup', {'external_id': 'c', 'globals': {'TIER': 'custom_attributes.tier'}}, [('/users/export/ids', 201, {'users': [{'external_id': 'c', 'braze_id': 'b', 'custom_attributes': {'tier': 'gold'}}], 'message': 'success'})]),
    ('lookup multiple', 'BrazeUserLookup', {'email': 'a@b.example'}, [('/users/export/ids', 201, {'users': [{'braze_id': 'a'}, {'braze_id': 'b'}], 'message': 'success'})]),
    ('canvas 400', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c'}, [('/canvas/trigger/send', 400, {'message': 'Invalid canvas_id'})]),
    ('campaign sent', 'BrazeCampaignTrigger', {'campaign_id': 'cp', 'external_id': 'c'}, [('/campaigns/trigger/send', 201, {'dispatch_id': 'd' * 32, 'message': 'success'})]),
    ('canvas no target', 'BrazeCanvasTrigger', {'external_id': 'c'}, []),
    ('campaign no target', 'BrazeCampaignTrigger', {'external_id': 'c'}, []),
    ('canvas properties not object', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'entry_properties': [1]}, []),
    ('canvas properties too big', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'entry_properties': dict(('k%d' % i, 'v' * 250) for i in range(220))}, []),
    ('canvas attributes not object', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'attributes': 'x'}, []),
    ('canvas bad attribute', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'attributes': {'dob': 'never'}}, []),
    ('canvas existing only alias', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'user_alias': {'alias_name': 'a', 'alias_label': 'l'}, 'send_to_existing_only': True}, []),
    ('canvas existing only false', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'send_to_existing_only': False}, []),
    ('canvas existing only word', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'send_to_existing_only': 'maybe'}, []),
    ('canvas broadcast', 'BrazeCanvasTrigger', {'canvas_id': 'cv', 'external_id': 'c', 'broadcast': 'yes'}, []),
    ('canvas id not text', 'BrazeCanvasTrigger', {'canvas_id': ['x'], 'external_id': 'c'}, []),
    ('canvas unknown name', 'BrazeCanvasTrigger', {'canvas': 'nope', 'external_id': 'c'}, []),
    ('lookup globals bad name', 'BrazeUserLookup', {'external_id': 'c', 'globals': {'lower': 'first_name'}}, []),
    ('lookup globals bad path', 'BrazeUserLookup', {'external_id': 'c', 'globals': {'X': 'nope.x'}}, []),
    ('lookup globals summary path', 'BrazeUserLookup', {'external_id': 'c', 'globals': {'X': 'custom_events.e.total'}}, []),
    ('lookup globals empty', 'BrazeUserLookup', {'external_id': 'c', 'globals': {}}, []),
    ('lookup two ids', 'BrazeUserLookup', {'external_id': 'c', 'braze_id': 'b'}, []),
    ('identify no customer', 'BrazeUserIdentify', {}, []),
    ('identify no chat', 'BrazeUserIdentify', {'external_id': 'c'}, []),
    ('identify alias not object', 'BrazeUserIdentify', {'external_id': 'c', 'user_alias': 'x'}, []),
    ('identify alias no name', 'BrazeUserIdentify', {'external_id': 'c', 'user_alias': {'alias_label': 'l'}}, []),
    ('identify bad id', 'BrazeUserIdentify', {'external_id': 'x' * 1000}, []),
    ('identify step 503 then ok', 'BrazeUserIdentify', {'external_id': 'c'}, [('/users/export/ids', 201, {'users': [{'braze_id': 'b', 'user_aliases': [{'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}]}], 'message': 'success'}), ('/users/identify', 503, {}), ('/users/identify', 201, {'aliases_processed': 1, 'message': 'success'})]),
    ('lookup unexpected', 'BrazeUserLookup', {'external_id': 'c'}, [('/users/export/ids', 201, {'users': [None], 'message': 'success'})]),
    ('track alias not object', 'BrazeUserTrack', {'user_alias': 'x', 'events': [{'name': 'e'}]}, []),
    ('track long refusal', 'BrazeUserTrack', {'external_id': 'c', 'events': [{'name': 'e'}]}, [('/users/track', 201, {'message': 'success', 'errors': [{'type': 'r' * 300, 'input_array': 'events', 'index': 0}]})]),
    ('track refusal not text', 'BrazeUserTrack', {'external_id': 'c', 'events': [{'name': 'e'}]}, [('/users/track', 201, {'message': 'success', 'errors': [{'type': {'code': 7}, 'input_array': 'events', 'index': 0}]})]),
]
REJECTED = "BrazeUserTrack: error reason=rejected status=201 attempts=1 elapsed_ms=0 objects=1 requests=1: Braze refused part of the request"
# name: (result, outcome line, requests sent)
EXPECTED = {
    'identify step 503 then ok': ({'success': 'true', 'BRAZE_IDENTIFIED': 'identified'},
        'BrazeUserIdentify: identified elapsed_ms=188', 3),
    'lookup unexpected': ({'success': 'error', 'FIRST_NAME': '', 'LAST_NAME': '', 'EMAIL_ADDRESS': '', 'DATE_OF_BIRTH': '', 'CITY_OF_RESIDENCE': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'unexpected'},
        'BrazeUserLookup: error reason=unexpected status=201 attempts=1 elapsed_ms=0: Braze answered "users" with something other than user objects', 1),
    'track alias not object': ({'success': 'error', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserTrack: error reason=invalid_input: nothing sent: user_alias is not usable as an identifier: must be {"alias_name": ..., "alias_label": ...}', 0),
    'track long refusal': ({'success': 'error', 'BRAZE_ERROR': 'rejected', 'BRAZE_REJECTED': 'events[0]: ' + 'r' * 157 + '...'},
        REJECTED, 1),  # each refusal clipped to 160 characters
    'track refusal not text': ({'success': 'error', 'BRAZE_ERROR': 'rejected', 'BRAZE_REJECTED': 'events[0]: {"code": 7}'},
        REJECTED, 1),
    'identify export 401': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'unauthorized'},
        "BrazeUserIdentify: error reason=unauthorized status=401 attempts=1 elapsed_ms=0: looking up: the REST API key was refused: check the key, that it belongs to this workspace, and that braze_url is your cluster's REST endpoint", 1),
    'identify export 503 then ok': ({'success': 'true', 'BRAZE_IDENTIFIED': 'none'},
        'BrazeUserIdentify: none elapsed_ms=188: no profile holds this chat\'s alias (alias_label "pypestream_chat"), '
        'and the customer is not in Braze: record the chat with BrazeUserTrack under this alias_label first, the same '
        'label in both nodes', 2),
    'identify step 403': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'forbidden'},
        'BrazeUserIdentify: error reason=forbidden status=403 attempts=1 elapsed_ms=0: users/identify: the key lacks the users.identify permission, the workspace is inactive, or an IP allowlist blocks this host', 2),
    'identify merged': ({'success': 'true', 'BRAZE_IDENTIFIED': 'merged'},
        'BrazeUserIdentify: merged elapsed_ms=0: Braze applies merges asynchronously', 2),
    'identify conflict': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'conflict'},
        "BrazeUserIdentify: error reason=conflict: the chat's alias belongs to another customer; nothing changed", 1),
    'lookup 403': ({'success': 'error', 'FIRST_NAME': '', 'LAST_NAME': '', 'EMAIL_ADDRESS': '', 'DATE_OF_BIRTH': '', 'CITY_OF_RESIDENCE': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'forbidden'},
        'BrazeUserLookup: error reason=forbidden status=403 attempts=1 elapsed_ms=0: the key lacks the users.export.ids permission, the workspace is inactive, or an IP allowlist blocks this host', 1),
    'lookup found': ({'success': 'true', 'TIER': 'gold', 'BRAZE_ID': 'b', 'BRAZE_EXTERNAL_ID': 'c'},
        'BrazeUserLookup: found status=201 attempts=1 elapsed_ms=0', 1),
    'lookup multiple': ({'success': 'multiple', 'FIRST_NAME': '', 'LAST_NAME': '', 'EMAIL_ADDRESS': '', 'DATE_OF_BIRTH': '', 'CITY_OF_RESIDENCE': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': ''},
        'BrazeUserLookup: multiple status=201 attempts=1 elapsed_ms=0', 1),
    'canvas 400': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'bad_request'},
        'BrazeCanvasTrigger: error reason=bad_request status=400 attempts=1 elapsed_ms=0: Braze could not use the request (Braze said: Invalid canvas_id)', 1),
    'campaign sent': ({'success': 'true', 'BRAZE_DISPATCH_ID': 'dddddddddddddddddddddddddddddddd'},
        'BrazeCampaignTrigger: sent status=201 attempts=1 elapsed_ms=0', 1),
    'canvas no target': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: give canvas (a name from braze_canvases) or canvas_id', 0),
    'campaign no target': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCampaignTrigger: error reason=invalid_input: nothing sent: give campaign (a name from braze_campaigns) or campaign_id', 0),
    'canvas properties not object': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: the properties cannot be sent: must be an object', 0),
    'canvas properties too big': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: the properties are larger than Braze allows (50 KB)', 0),
    'canvas attributes not object': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: attributes cannot be sent: must be an object', 0),
    'canvas bad attribute': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: attributes cannot be sent: not an ISO-8601 date-time', 0),
    'canvas existing only alias': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: send_to_existing_only cannot be used with a user_alias (Braze refuses it)', 0),
    'canvas existing only false': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: send_to_existing_only false needs attributes to create the user with (Braze)', 0),
    'canvas existing only word': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: send_to_existing_only: expected true or false', 0),
    'canvas broadcast': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: broadcast is refused: a chat sends to its one user only', 0),
    'canvas id not text': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeCanvasTrigger: error reason=invalid_input: nothing sent: canvas_id: expected text, got list', 0),
    'canvas unknown name': ({'success': 'error', 'BRAZE_DISPATCH_ID': '', 'BRAZE_ERROR': 'config'},
        'BrazeCanvasTrigger: error reason=config: configuration problem: braze_canvases of this environment has no canvas "nope" (known: welcome): add it there, or use one of those', 0),
    'lookup globals bad name': ({'success': 'error', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserLookup: error reason=invalid_input: nothing sent: "globals" entry "lower": global names are UPPER_CASE letters, digits and _', 0),
    'lookup globals bad path': ({'success': 'error', 'X': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserLookup: error reason=invalid_input: nothing sent: X maps to a path Braze does not export', 0),
    'lookup globals summary path': ({'success': 'error', 'X': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserLookup: error reason=invalid_input: nothing sent: X: custom_events paths are custom_events.<name>.count, .first or .last', 0),
    'lookup globals empty': ({'success': 'error', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserLookup: error reason=invalid_input: nothing sent: "globals" must map global names to Braze field paths', 0),
    'lookup two ids': ({'success': 'error', 'FIRST_NAME': '', 'LAST_NAME': '', 'EMAIL_ADDRESS': '', 'DATE_OF_BIRTH': '', 'CITY_OF_RESIDENCE': '', 'BRAZE_ID': '', 'BRAZE_EXTERNAL_ID': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserLookup: error reason=invalid_input: nothing sent: more than one identifier (external_id and braze_id): give exactly one', 0),
    'identify no customer': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserIdentify: error reason=invalid_input: nothing sent: external_id (or USER_ID) is not set: there is no customer to join the chat to', 0),
    'identify no chat': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserIdentify: error reason=invalid_input: nothing sent: no user_alias given and no chat_id in the context to default to', 0),
    'identify alias not object': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserIdentify: error reason=invalid_input: nothing sent: user_alias must be {"alias_name": ..., "alias_label": ...}', 0),
    'identify alias no name': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserIdentify: error reason=invalid_input: nothing sent: user_alias.alias_name is missing', 0),
    'identify bad id': ({'success': 'error', 'BRAZE_IDENTIFIED': '', 'BRAZE_ERROR': 'invalid_input'},
        'BrazeUserIdentify: error reason=invalid_input: nothing sent: external_id or user_alias is not usable: longer than 987 bytes', 0),
}

@pytest.mark.parametrize('name, node_name, payload, answers', CASES, ids=[case[0] for case in CASES])
def test_each_path_ends_with_its_exact_result_and_outcome_line(monkeypatch, name, node_name, payload, answers):
    clock = FakeClock()
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {'braze_url': URL, 'braze_api_key': API_KEY,
                                                    'braze_canvases': {'welcome': 'cv-1'}}})
    context = {'env': 'sandbox', 'user_data': {}} if name == 'identify no chat' else dict(SANDBOX)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for path, status, answer in answers:
            mock.add(responses.POST, URL + path, status=status, body=json.dumps(answer))
        lines = []
        node = load_node(node_name)(clock=clock, sleep=clock.sleep, rand=lambda: 0.5, wall=lambda: 1700000000.0)
        result = node.execute(lines.append, payload, context)
        sent = [(call.request.url[len(URL):], json.loads(call.request.body)) for call in mock.calls]
    expected_result, expected_line, expected_requests = EXPECTED[name]
    assert shown(result) == expected_result
    assert lines[-1] == expected_line
    assert len(sent) == expected_requests
    if node_name == 'BrazeUserIdentify' and sent:
        assert sent[0] == ('/users/export/ids', {'external_ids': ['c'], 'user_aliases': [
            {'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}],
            'fields_to_export': ['braze_id', 'external_id', 'user_aliases']})
    if name == 'identify step 403':
        assert sent[1] == ('/users/identify', {'aliases_to_identify': [{'external_id': 'c', 'user_alias': {
            'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}}], 'merge_behavior': 'merge'})
    if name == 'identify merged':
        assert sent[1] == ('/users/merge', {'merge_updates': [{'identifier_to_merge': {'user_alias': {
            'alias_name': 'chat-1', 'alias_label': 'pypestream_chat'}}, 'identifier_to_keep': {'external_id': 'c'}}]})
    if name == 'identify export 503 then ok':
        assert sent[0] == sent[1]  # a read: resent after an ambiguous answer
