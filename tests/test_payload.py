# -*- coding: utf-8 -*-
"""Parameter Input -> one user's Braze objects, without HTTP."""
import datetime

import pytest

from support import SEED_PAYLOAD, load_module

payload_module = load_module('actions.braze_payload')
request_module = load_module('actions.braze_request')
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


def build(payload, context=None):
    return payload_module.build_user(payload, context if context is not None else {'env': 'sandbox'}, NOW)


def test_flat_form_takes_globals_from_context_and_user_data():
    context = {'env': 'sandbox', 'USER_ID': 'u1', 'user_data': {'FIRST_NAME': 'Ada', 'NAME_OF_EVENT': 'chat'}}
    user = build({}, context)
    assert user.objects() == [
        ('attributes', 'attributes', {'external_id': 'u1', 'first_name': 'Ada'}),
        ('events', 'events[0]', {'external_id': 'u1', 'name': 'chat', 'time': '2026-11-23T12:00:00+00:00'}),
    ]


def test_payload_wins_over_context_and_context_over_user_data():
    context = {'env': 'sandbox', 'X': 'from-context', 'Y': 'from-context', 'user_data': {'Y': 'ud', 'Z': 'ud'}}
    user = build({'external_id': 'u', 'X': 'from-payload', 'attributes': {'a': '{X}', 'b': '{Y}', 'c': '{Z}'}},
                 context)
    assert user.attributes == {'a': 'from-payload', 'b': 'from-context', 'c': 'ud'}


def test_unset_values_are_missing_and_never_sent():
    user = build({'external_id': 'u', 'UNSET': 'None', 'attributes': {
        'a': 'None', 'b': '', 'c': '{UNSET}', 'd': '{NOWHERE}', 'e': '  ', 'f': '{ NOWHERE }'}})
    assert user.attributes == {}
    assert user.dropped == []


def test_literal_null_is_sent_to_unset_an_attribute():
    assert build({'external_id': 'u', 'attributes': {'home_city': None, 'vip': None}}).attributes == {
        'home_city': None, 'vip': None}


def test_references_follow_chains_and_stop_on_cycles():
    user = build({'external_id': '{A}', 'A': '{B}', 'B': 'real-id', 'attributes': {'x': '{C}'}, 'C': '{D}',
                  'D': '{C}'})
    assert user.identifier == {'external_id': 'real-id'}
    assert user.attributes == {}


def test_seed_template_spaced_placeholders_resolve():
    user = build({'external_id': '{ USER_ID }', 'USER_ID': 'u9'})
    assert user.identifier == {'external_id': 'u9'}


def test_alias_only_user_is_created():
    user = build({'user_alias': {'alias_name': '{CHAT_ID}', 'alias_label': 'pypestream_chat'},
                  'events': [{'name': 'chat_started'}]}, {'env': 'sandbox', 'CHAT_ID': 'c-1'})
    objects = user.objects()
    assert objects[0][2] == {'user_alias': {'alias_name': 'c-1', 'alias_label': 'pypestream_chat'},
                             '_update_existing_only': False}
    assert objects[1][0] == 'events'


def test_update_existing_only_is_passed_when_given():
    user = build({'external_id': 'u', 'update_existing_only': 'true', 'attributes': {'a': 1}})
    assert user.attributes == {'a': 1, '_update_existing_only': True}


def test_events_by_external_id_need_no_attributes_object():
    user = build({'external_id': 'u', 'events': [{'name': 'x'}]})
    assert [array for array, _, _ in user.objects()] == ['events']


def test_identifier_only_input_touches_the_profile():
    assert build({'email': ' A@B.com '}).objects() == [('attributes', 'attributes', {'email': 'a@b.com'})]


@pytest.mark.parametrize('payload, words', [
    ({'attributes': {'a': 1}}, 'no identifier'),
    ({'external_id': 'u', 'phone': '+15551234567'}, 'more than one identifier'),
    ({'external_id': True}, 'external_id'),
    ({'external_id': 'é' * 494}, '987 bytes'),
    ({'user_alias': 'chat-1'}, 'user_alias'),
    ({'user_alias': {'alias_name': 'n', 'alias_label': '{UNSET}'}}, 'alias_label is missing'),
    ({'email': 'not-an-email'}, 'email'),
    ({'USER_ID': None}, 'USER_ID is not set'),
])
def test_bad_identifiers_raise_invalid_input(payload, words):
    with pytest.raises(payload_module.InvalidInput) as raised:
        build(payload)
    assert words in str(raised.value)


def test_invalid_optional_values_are_dropped_and_named():
    user = build({'external_id': 'u', 'attributes': {
        'dob': '1990-02-30', 'gender': 'robot', 'first_name': 'Ok', '$bad': 1, 'external_id': 'x',
        'score': float('nan')},
        'events': [{'name': 'ok', 'time': 'whenever', 'properties': {'time': 1, 'fine': 2}},
                   {'time': '2024-01-01'}, 'text', {'name': 'e', 'color': 'red'}],
        'purchases': [{'product_id': 'p', 'currency': 'usd', 'price': 1, 'quantity': 101},
                      {'product_id': 'p', 'price': 1}]})
    dropped = [name for name, _ in user.dropped]
    assert dropped == ['attributes.dob', 'attributes.gender', 'attributes.$bad', 'attributes.external_id',
                       'attributes.score', 'events[0].time', 'events[0].properties.time', 'events[1]',
                       'events[2]', 'events[3].color', 'purchases[0].quantity', 'purchases[1]']
    assert user.attributes == {'first_name': 'Ok'}
    assert [label for label, _ in user.events] == ['events[0]', 'events[3]']
    assert user.events[0][1] == {'name': 'ok', 'time': NOW.isoformat(), 'properties': {'fine': 2}}
    assert user.purchases == [('purchases[0]', {'product_id': 'p', 'currency': 'USD', 'price': 1,
                                                'time': NOW.isoformat()})]


def test_oversized_event_properties_are_dropped_but_the_event_kept():
    props = {'k{}'.format(n): 'v' * 250 for n in range(500)}
    user = build({'external_id': 'u', 'events': [{'name': 'big', 'properties': props}]})
    assert user.events[0][1] == {'name': 'big', 'time': NOW.isoformat()}
    assert user.dropped[0][0] == 'events[0].properties'


def test_payload_given_as_json_text_is_read():
    user = build('{"external_id": "u", "attributes": {"a": 1}}')
    assert user.attributes == {'a': 1}


def test_personal_values_are_collected_for_masking():
    user = build(dict(SEED_PAYLOAD))
    assert {'user-42', 'Ada', 'Lovelace', '12/10/1985', 'London'} <= set(user.personal)


def test_requests_keep_order_and_mark_replayable():
    user = build({'external_id': 'u', 'attributes': {'a': 1}, 'events': [{'name': str(n)} for n in range(3)]})
    reqs, too_large = request_module.build_requests(user.objects(), 2)
    assert too_large == []
    assert [r.objects for r in reqs] == [2, 2]
    assert reqs[0].labels == {'attributes': ['attributes'], 'events': ['events[0]']}
    assert reqs[1].labels == {'events': ['events[1]', 'events[2]']}
    only_attributes, _ = request_module.build_requests(build({'external_id': 'u', 'attributes': {'a': 1}}).objects(), 75)
    assert only_attributes[0].replayable is True and reqs[0].replayable is False
    inc, _ = request_module.build_requests(build({'external_id': 'u', 'attributes': {'n': {'inc': 1}}}).objects(), 75)
    assert inc[0].replayable is False


def test_request_body_is_the_json_of_the_objects():
    import json
    user = build({'external_id': 'ü', 'attributes': {'name': 'Zoë \ud800'}, 'purchases': [
        {'product_id': 'p', 'currency': 'EUR', 'price': 2.5}]})
    reqs, _ = request_module.build_requests(user.objects(), 75)
    body = json.loads(reqs[0].body)
    assert body == {'attributes': [{'external_id': 'ü', 'name': 'Zoë \ud800'}],
                    'purchases': [{'external_id': 'ü', 'product_id': 'p', 'currency': 'EUR', 'price': 2.5,
                                   'time': NOW.isoformat()}],
                    'partner': 'pypestream'}
    reqs[0].body.decode('ascii')


def test_requests_split_by_size_under_braze_4mb_limit():
    objects = [('attributes', 'a{}'.format(n), {'external_id': 'u', 'blob': ['x' * 250] * 1000}) for n in range(20)]
    reqs, _ = request_module.build_requests(objects, 75)
    assert len(reqs) > 1
    assert all(len(r.body) <= 4 * 1024 * 1024 for r in reqs)
    assert sum(r.objects for r in reqs) == 20
