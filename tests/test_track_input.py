# -*- coding: utf-8 -*-
"""Parameter Input -> one user's Braze objects and bodies, without HTTP: forms, references, budgets."""
import datetime
import json

import pytest

from support import SEED_PAYLOAD, load_module

track = load_module('actions.braze_track')
batches = load_module('actions.braze_batches')
variables = load_module('actions.braze_variables')
UnusableInput = load_module('actions.braze_input').UnusableInput
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


def build(payload, context=None, budget=None):
    return track.build(payload, context if context is not None else {'env': 'sandbox'}, NOW,
                       budget or variables.Budget(lambda: 1.0))


def objects(built, array=None):
    return [obj for kind, _, obj in built.objects if array in (None, kind)]


def test_flat_form_takes_globals_from_context_and_user_data():
    context = {'env': 'sandbox', 'USER_ID': 'u1', 'user_data': {'FIRST_NAME': 'Ada', 'NAME_OF_EVENT': 'chat'}}
    assert build({}, context).objects == [
        ('attributes', 'attributes', {'external_id': 'u1', 'first_name': 'Ada'}),
        ('events', 'events[0]', {'external_id': 'u1', 'name': 'chat', 'time': '2026-11-23T12:00:00+00:00'}),
    ]


def test_payload_wins_over_context_and_context_over_user_data():
    context = {'env': 'sandbox', 'X': 'from-context', 'Y': 'from-context', 'user_data': {'Y': 'ud', 'Z': 'ud'}}
    built = build({'external_id': 'u', 'X': 'from-payload', 'attributes': {'a': '{X}', 'b': '{Y}', 'c': '{Z}'}},
                  context)
    assert objects(built) == [{'external_id': 'u', 'a': 'from-payload', 'b': 'from-context', 'c': 'ud'}]


@pytest.mark.parametrize('unset', [None, 'None', '', '  ', '{UNSET}', '{NOWHERE}', '{ NOWHERE }', '{ FIRST NAME }'])
def test_unset_values_are_missing_and_never_sent(unset):
    built = build({'external_id': 'u', 'UNSET': 'None', 'attributes': {'a': unset, 'first_name': 'Ada'}})
    expected = {'external_id': 'u', 'first_name': 'Ada'}
    if unset is None:
        expected['a'] = None  # a literal null unsets the attribute in Braze
    assert objects(built) == [expected] and built.dropped == ()


def test_references_resolve_one_level_only():
    assert objects(build({'external_id': '{A}', 'A': 'real-id'})) == [{'external_id': 'real-id'}]
    with pytest.raises(UnusableInput):
        build({'external_id': '{A}', 'A': '{B}', 'B': 'real-id'})  # A holds the text "{B}": that is unset


def test_a_chat_user_typing_a_reference_gets_no_other_global_copied():
    context = {'env': 'sandbox', 'CRM_TOKEN': 'secret-crm-token', 'user_data': {}}
    built = build({'external_id': 'u', 'FIRST_NAME': '{CRM_TOKEN}', 'attributes': {'first_name': '{FIRST_NAME}',
                                                                                   'note': '{ CRM_TOKEN }x'}},
                  context)
    assert 'secret-crm-token' not in json.dumps(built.objects)


def test_what_a_global_holds_is_used_literally():
    built = build({'external_id': 'u', 'attributes': '{ATTRS}', 'ATTRS': {'plan': '{PLAN}', 'tier': 'gold'},
                   'PLAN': 'pro'})
    assert objects(built) == [{'external_id': 'u', 'tier': 'gold'}]  # "{PLAN}" inside a global is not resolved


def test_seed_template_spaced_placeholders_resolve():
    assert objects(build({'external_id': '{ USER_ID }', 'USER_ID': 'u9'})) == [{'external_id': 'u9'}]


def test_alias_only_user_is_created_and_update_only_mode_reaches_every_object():
    built = build({'user_alias': {'alias_name': '{CHAT_ID}', 'alias_label': 'pypestream_chat'},
                   'events': [{'name': 'chat_started'}]}, {'env': 'sandbox', 'CHAT_ID': 'c-1'})
    assert objects(built, 'attributes') == [{'user_alias': {'alias_name': 'c-1', 'alias_label': 'pypestream_chat'},
                                             '_update_existing_only': False}]
    built = build({'external_id': 'u', 'update_existing_only': 'yes', 'attributes': {'a': 1},
                   'events': [{'name': 'x'}], 'purchases': [{'product_id': 'p', 'currency': 'eur', 'price': 2}]})
    assert all(obj['_update_existing_only'] is True for obj in objects(built))


def test_events_by_external_id_need_no_attributes_object():
    assert [kind for kind, _, _ in build({'external_id': 'u', 'events': [{'name': 'x'}]}).objects] == ['events']


def test_identifier_only_input_touches_the_profile():
    assert build({'email': ' A@B.com '}).objects == [('attributes', 'attributes', {'email': 'a@b.com'})]


@pytest.mark.parametrize('payload, words', [
    ({'attributes': {'a': 1}}, 'no identifier'),
    ({'external_id': 'u', 'braze_id': 'b'}, 'more than one identifier'),
    ({'external_id': True}, 'external_id'),
    ({'external_id': 'é' * 494}, '987 bytes'),
    ({'user_alias': 'chat-1'}, 'user_alias'),
    ({'user_alias': {'alias_name': 'n', 'alias_label': '{UNSET}'}}, 'alias_label is missing'),
    ({'email': 'not-an-email'}, 'email'),
    ({'phone': '555'}, 'phone'),
    ({'USER_ID': None}, 'USER_ID is not set'),
])
def test_bad_identifiers_raise_unusable_input(payload, words):
    with pytest.raises(UnusableInput) as raised:
        build(payload)
    assert words in str(raised.value)


def test_invalid_optional_values_are_dropped_and_named():
    built = build({'external_id': 'u', 'attributes': {
        'dob': '1990-02-30', 'gender': 'robot', 'first_name': 'Ok', '$bad': 1, 'external_id': 'x',
        'score': float('nan')},
        'events': [{'name': 'ok', 'time': 'whenever', 'properties': {'time': 1, 'fine': 2}},
                   {'time': '2024-01-01'}, 'text', {'name': 'e', 'color': 'red'}],
        'purchases': [{'product_id': 'p', 'currency': 'usd', 'price': 1, 'quantity': 101},
                      {'product_id': 'p', 'price': 1}]})
    assert [name for name, _ in built.dropped] == [
        'attributes.dob', 'attributes.gender', 'attributes.$bad', 'attributes.external_id', 'attributes.score',
        'events[0].time', 'events[0].properties.time', 'events[1]', 'events[2]', 'events[3].color',
        'purchases[0].quantity', 'purchases[1]']
    assert objects(built, 'attributes') == [{'external_id': 'u', 'first_name': 'Ok'}]
    assert [label for kind, label, _ in built.objects if kind == 'events'] == ['events[0]', 'events[3]']
    assert objects(built, 'purchases') == [{'external_id': 'u', 'product_id': 'p', 'currency': 'USD', 'price': 1,
                                            'time': NOW.isoformat()}]


def test_oversized_event_properties_are_dropped_but_the_event_kept():
    props = {'k{}'.format(n): 'v' * 250 for n in range(500)}
    built = build({'external_id': 'u', 'events': [{'name': 'big', 'properties': props}]})
    assert objects(built, 'events') == [{'external_id': 'u', 'name': 'big', 'time': NOW.isoformat()}]
    assert built.dropped[0][0] == 'events[0].properties'


def test_personal_values_are_collected_for_masking():
    assert {'user-42', 'Ada', 'Lovelace', '12/10/1985', 'London'} <= set(build(dict(SEED_PAYLOAD)).personal)


# --- budgets: input alone cannot outrun the deadline, and what is valid is still sent -------------

def test_reference_fan_out_is_bounded_and_the_first_items_are_kept():
    big = ['item-{}'.format(n) for n in range(6000)]
    payload = {'external_id': 'u', 'BIG': big,
               'events': [{'name': 'e{}'.format(n), 'properties': {'list': '{BIG}'}} for n in range(6000)]}
    assert len(json.dumps(payload['events'])) > 70000
    built = build(payload)
    sent = objects(built, 'events')
    assert 0 < len(sent) <= track.MAX_ITEMS
    assert sent[0]['properties']['list'] == big
    assert built.dropped[-1][0].startswith('events[') and '..5999]' in built.dropped[-1][0]


def test_a_huge_name_and_a_thousand_bad_fields_are_each_dropped_alone():
    attributes = {'bad{}'.format(n): float('nan') for n in range(1000)}
    attributes.update(first_name='n' * (10 * 1024 * 1024), email='ada@example.com')
    built = build({'external_id': 'u', 'attributes': attributes})
    assert objects(built, 'attributes') == [{'external_id': 'u', 'email': 'ada@example.com'}]
    assert len(built.dropped) == 1001


def test_two_hundred_thousand_events_build_the_first_few_hundred_and_name_the_rest():
    built = build({'external_id': 'u', 'events': [{'name': 'e'}] * 200000})
    assert len(objects(built, 'events')) == track.MAX_ITEMS
    assert built.dropped == (('events[500..199999]', 'more than 500 events in one call'),)


def test_building_stops_at_its_share_of_the_deadline_and_keeps_what_was_built():
    looks = []

    def time_left():
        looks.append(1)
        return 1.0 if len(looks) < 3 else -0.1  # the third look at the clock finds the time spent

    built = build({'external_id': 'u', 'attributes': {'plan': 'pro'},
                   'events': [{'name': 'e', 'properties': {'n': n}} for n in range(400)]},
                  budget=variables.Budget(time_left, items=10 ** 9, chars=10 ** 9))
    kept = objects(built, 'events')
    assert objects(built, 'attributes') == [{'external_id': 'u', 'plan': 'pro'}] and 0 < len(kept) < 400
    assert built.dropped[-1] == ('events[{}..399]'.format(len(kept)), 'building the input took too long')


# --- bodies ---------------------------------------------------------------------------------

def test_requests_keep_order_and_mark_replayable():
    built = build({'external_id': 'u', 'attributes': {'a': 1}, 'events': [{'name': str(n)} for n in range(3)]})
    reqs, too_large = batches.split(built.objects, None, 2)
    assert too_large == []
    assert [r.objects for r in reqs] == [2, 2]
    assert reqs[0].labels == {'attributes': ['attributes'], 'events': ['events[0]']}
    assert reqs[1].labels == {'events': ['events[1]', 'events[2]']}
    assert batches.split(build({'external_id': 'u', 'attributes': {'a': 1}}).objects, None, 50)[0][0].replayable
    assert not reqs[0].replayable
    inc = batches.split(build({'external_id': 'u', 'attributes': {'n': {'inc': 1}}}).objects, None, 50)[0]
    assert not inc[0].replayable


def test_per_array_limit_splits_each_array():
    built = build({'external_id': 'u', 'events': [{'name': 'e'}] * 80,
                   'purchases': [{'product_id': 'p', 'currency': 'USD', 'price': 1}] * 5})
    reqs, _ = batches.split(built.objects, 75, 225)
    assert [(len(r.labels.get('events', [])), len(r.labels.get('purchases', []))) for r in reqs] == [(75, 0), (5, 5)]


def test_request_body_is_the_json_of_the_objects():
    built = build({'external_id': 'ü', 'attributes': {'name': 'Zoë \ud800'}, 'purchases': [
        {'product_id': 'p', 'currency': 'EUR', 'price': 2.5}]})
    reqs, _ = batches.split(built.objects, None, 50)
    assert json.loads(reqs[0].body) == {
        'attributes': [{'external_id': 'ü', 'name': 'Zoë \ud800'}],
        'purchases': [{'external_id': 'ü', 'product_id': 'p', 'currency': 'EUR', 'price': 2.5, 'time': NOW.isoformat()}],
        'partner': 'pypestream'}
    reqs[0].body.decode('ascii')


def test_requests_split_by_size_under_braze_4mb_limit():
    objs = [('attributes', 'a{}'.format(n), {'external_id': 'u', 'blob': ['x' * 250] * 1000}) for n in range(20)]
    reqs, _ = batches.split(objs, None, 50)
    assert len(reqs) > 1 and all(len(r.body) <= 4 * 1024 * 1024 for r in reqs)
    assert sum(r.objects for r in reqs) == 20


def test_every_drop_of_an_event_or_purchase_names_its_input_and_reason_exactly():
    payload = {'external_id': 'u', 'G': '{X}',
               'events': [5, {'name': 'e', 'colour': 'red', 'app_id': [1]}, {'app_id': 'a'},
                          {'name': 't', 'time': 'yesterday'}, {'name': 'p', 'properties': 'x'},
                          {'name': 'q', 'properties': {'time': 1, '$bad': 2, 'ok': 3, 'big': 'z' * 300}},
                          {'name': 'r', 'properties': {'k%d' % i: 'v' * 250 for i in range(420)}}, {'name': '{G}'}],
               'purchases': [{'product_id': 'p', 'currency': 'usd', 'price': 'x', 'quantity': 500},
                             {'product_id': 'p', 'currency': 'USD', 'price': 1, 'properties': {'price': 1}}]}
    built = build(payload)
    assert built.dropped == (
        ('events[0]', 'must be an object'),
        ('events[1].colour', 'not a field of this object'),
        ('events[1].app_id', 'expected text, got list'),
        ('events[2]', 'needs name'),
        ('events[3].time', 'not an ISO-8601 date-time; sent with the current time'),
        ('events[4].properties', 'must be an object'),
        ('events[5].properties.time', 'is a reserved property name'),
        ('events[5].properties.$bad', 'property names must be 1-255 characters and not start with $'),
        ('events[5].properties.big', 'longer than 255 characters'),
        ('events[6].properties', 'larger than Braze allows (100 KB)'),
        ('events[7]', 'needs name'),  # a global holding "{X}" is missing, never a second reference
        ('purchases[0].price', 'expected a number'),
        ('purchases[0].quantity', 'expected a whole number from 1 to 100'),
        ('purchases[0]', 'needs price'),
        ('purchases[1].properties.price', 'is a reserved property name'))
    assert [label for _, label, _ in built.objects] == ['events[1]', 'events[3]', 'events[4]', 'events[5]', 'events[6]',
                                                       'purchases[1]']
    assert [obj.get('properties') for _, _, obj in built.objects][3] == {'ok': 3}
    assert all(obj['time'] == NOW.isoformat() for _, _, obj in built.objects)


def test_properties_exactly_at_braze_size_limit_are_kept():
    limit = track.fields.EVENT.properties_bytes
    properties = {'k': 'v' * 200}
    while track.values.encoded_size(properties) + 300 < limit:
        properties['k%d' % len(properties)] = 'v' * 250
    gap = limit - track.values.encoded_size(dict(properties, last=''))
    properties['last'] = 'w' * gap  # the object now weighs exactly the limit
    assert track.values.encoded_size(properties) == limit
    built = build({'external_id': 'u', 'events': [{'name': 'e', 'properties': properties}]})
    assert built.dropped == () and objects(built, 'events')[0]['properties'] == properties


# --- values inside a global are literal; what a spent budget leaves out is named where it was -----

def test_references_inside_events_that_came_whole_from_a_global_are_never_resolved():
    events = [{'name': 'x', 'time': '{T}', 'properties': {'p': '{SECRET}', 'q': 1}}]
    built = build({'external_id': 'u', 'events': '{EVENTS}'},
                  context={'EVENTS': events, 'T': '2020-01-01T00:00:00Z', 'SECRET': 'crm-token'})
    [(_, _, event)] = [obj for obj in built.objects if obj[0] == 'events']
    assert event['time'] == NOW.isoformat()  # "{T}" inside a global is no reference: the current time
    assert event['properties'] == {'p': '{SECRET}', 'q': 1}  # text as the global holds it: nothing copied in
    assert built.dropped == ()


def test_event_keys_are_read_whatever_their_order():
    built = build({'external_id': 'u', 'events': [{'time': '2024-01-01T00:00:00Z', 'properties': {'a': 1},
                                                   'name': 'x'}]})
    [(_, _, event)] = [obj for obj in built.objects if obj[0] == 'events']
    assert event == {'external_id': 'u', 'name': 'x', 'time': '2024-01-01T00:00:00+00:00', 'properties': {'a': 1}}


def test_a_budget_spent_inside_an_event_names_each_field_it_leaves_out():
    budget = variables.Budget(lambda: 1.0, items=10 ** 6, chars=100)
    built = build({'external_id': 'u', 'events': [{'name': 'x', 'app_id': '{BIG}', 'time': '2024-01-01T00:00:00Z',
                                                   'properties': {'a': 1}}]},
                  context={'BIG': 'b' * 200}, budget=budget)
    spent = 'references copy more into the input than one call may build'
    assert built.dropped == (('events[0]', spent), ('events[0].time', spent), ('events[0].properties', spent))


def test_properties_nested_too_deep_are_dropped_under_their_own_name():
    deep = {'a': 1}
    for _ in range(40):
        deep = {'n': deep}
    built = build({'external_id': 'u', 'events': [{'name': 'x', 'properties': deep}]})
    assert [label for label, _ in built.dropped] == ['events[0].properties']


def test_once_the_budget_is_spent_every_later_input_is_named_by_its_own_key():
    # update_existing_only references a global larger than the whole budget: reading stops there
    budget = variables.Budget(lambda: 1.0, items=50)
    built = build({'external_id': 'u', 'BIG': list(range(100)), 'update_existing_only': '{BIG}',
                   'attributes': {'plan': 'gold'}, 'events': [{'name': 'e'}], 'purchases': [{'product_id': 'p'}]},
                  budget=budget)
    spent = 'references copy more into the input than one call may build'
    assert built.dropped == (('update_existing_only', spent), ('attributes', spent), ('events', spent),
                             ('purchases', spent))


def test_a_bad_flag_and_a_too_deep_attribute_are_dropped_with_their_reasons():
    deep = 1
    for _ in range(17):
        deep = {'k': deep}
    # written in the Parameter Input (read by the reference rules) or held by a global (read by the field's)
    built = build({'external_id': 'u', 'merge_objects': 'maybe', 'attributes': {'tree': deep, 'held': '{DEEP}',
                                                                                 'plan': 'gold'}, 'DEEP': deep})
    assert built.dropped == (('merge_objects', 'expected true or false'),
                             ('attributes.tree', 'nested deeper than 16 levels'),
                             ('attributes.held', 'nested deeper than 16 levels'))


def test_only_user_alias_is_read_as_an_alias_object():
    with pytest.raises(track.UnusableInput) as refused:
        build({'external_id': {'id': 'u-1'}, 'attributes': {'plan': 'gold'}})
    assert str(refused.value).startswith('external_id is not usable as an identifier: ')
