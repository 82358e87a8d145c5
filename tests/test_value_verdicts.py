# -*- coding: utf-8 -*-
"""Every value normalizer's verdict, exactly: what Braze is sent, or the reason a value is refused
(the reason reaches a log line and BRAZE_DROPPED, so its words are part of the behaviour)."""
import datetime
import json

import pytest

from support import load_module

values = load_module('actions.braze_values')

DEEP = 1
for _ in range(17):
    DEEP = [DEEP]
EDGE = 1
for _ in range(16):
    EDGE = [EDGE]
EMPTY_DEEP = []
for _ in range(17):
    EMPTY_DEEP = [EMPTY_DEEP]
DICT_EDGE, DICT_DEEP = 1, 1
for _ in range(16):
    DICT_EDGE = {'k': DICT_EDGE}
DICT_DEEP = {'k': DICT_EDGE}
TODAY = datetime.date.today()
CASES = [
    ('text', 'text', [' a ', 5, True, 1.5, None, 2 ** 63, '', '  ', 'x' * 256, 'x' * 255]),
    ('email', 'email', [' A@B.example ', 'no-at', 5]),
    ('phone', 'phone', ['+1 (415) 555-0100', '+123456', '+1234567890123456', '4155550100', '+1-4.1']),
    ('gender', 'gender', ['Female', 'n/a', 'x', 'PREFER NOT TO SAY']),
    ('country', ('letters', 2, 'upper'), ['us', 'usa', 'u1', 'ü1']),
    ('subscription_state', 'subscription_state', ['Opted-In', 'subscribed', 'UNSUBSCRIBED', 'opted in', 'yes', 5]),
    ('subscription_groups', 'subscription_groups', [[{'subscription_group_id': 5, 'subscription_state': 'subscribed'}],
        [{'subscription_group_id': None, 'subscription_state': 'subscribed'}],
        {'subscription_group_id': 'g', 'subscription_state': 'Subscribed'}, [], 'g', [5],
        [{'subscription_group_id': 'g', 'subscription_state': 'maybe'}], [{'subscription_state': 'subscribed'}],
        [{'subscription_group_id': 'g'}],
        [{'subscription_group_id': ' g ', 'subscription_state': 'unsubscribed'}, {'subscription_group_id': 'h', 'subscription_state': 'subscribed'}]]),
    ('location', 'location', [{'latitude': '40.7', 'longitude': -74}, {'latitude': 91, 'longitude': 0},
        {'latitude': 0, 'longitude': -180.5}, {'latitude': 'north', 'longitude': 0}, {'latitude': True, 'longitude': 0},
        {'latitude': float('nan'), 'longitude': 0}, {'longitude': 0}, [1, 2], {'latitude': 90, 'longitude': 180}]),
    ('boolean', 'boolean', ['yes', 'OFF', 0, 'maybe']),
    ('number', 'number', [' 1.5 ', 2, 'x', True, None, float('inf')]),
    ('quantity', 'quantity', ['3', 100, 101, 0, '1000', ' 7 ', True, 2.0, '007', 1, '100', '0100', '1']),
    ('timestamp', 'timestamp', ['2024-01-02T03:04:05Z', '2024-01-02 03:04', '2024-01-02T03:04:05.123456789+0530',
        '2024-01-02T03:04:05:123Z', '2024-13-01', '2024-01-02T03:04:05+25:00', 'yesterday', 1700000000, 1700000000000,
        float('nan'), 10 ** 20, datetime.date(2024, 1, 2), 100000000000, 100000000001, '2024-01-02T03:04:05',
        datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))]),
    ('dob', 'dob', ['12/10/1985', '1985-12-10', '13/40/1985', '1850-01-01', '2999-01-01', datetime.datetime(1990, 5, 6, 7, 8),
        '1900-01-01', '1899-12-31', TODAY, TODAY + datetime.timedelta(days=1)]),
    ('json_value', 'json_value', [[1, 'a', None, True, 1.5], {'a': {'b': [1]}}, {'$a': 1}, {'': 1}, float('nan'), 2 ** 63, 'x' * 256,
        object(), datetime.date(2024, 1, 2), {'a': DEEP}, EDGE, DEEP, DICT_EDGE, DICT_DEEP, 'x' * 255,
        {'a': [{'b c': 1}]}, [{'$x': 1}]]),
    ('property_key', 'property_key', ['ok', '$no', '', 5, 'k' * 256, 'k' * 255, 'a$']),
    ('nested_key', 'nested_key', ['ok', 'a b', 'a.b', '$a', '', 'k' * 256, 'k' * 255, 5]),
    ('nested_value', 'nested_value', [{'a': {'$time': '2024-01-02'}}, {'a b': 1}, [datetime.date(2024, 1, 2)], {'$time': 'x'},
        EDGE, DEEP, EMPTY_DEEP, DICT_EDGE, DICT_DEEP, [{'a': [{'b.c': 1}]}], {'a': 'x' * 256}]),
    ('custom_attribute', 'custom_attribute', [
        {'inc': 2}, {'inc': True}, {'inc': 2 ** 63}, {'add': ['a'], 'remove': ['b']}, {'add': 'a'}, {'inc': 1, 'add': ['a']},
        {'$add': [{'a': 1}]}, {'$add': [1]}, {'$add': {'a': 1}},
        {'$update': [{'$identifier_key': 'id', '$identifier_value': 1, '$new_object': {'a': 2}}]},
        {'$update': [{'$identifier_key': 'id', '$identifier_value': 1}]},
        {'$update': [{'$identifier_key': 'id', '$identifier_value': 1, '$new_object': 5}]},
        {'$update': 'x'}, {'$remove': [{'$identifier_key': 'id', '$identifier_value': 1}]},
        {'$remove': [{'$identifier_key': 'a b', '$identifier_value': 1}]}, {'$remove': [5]},
        {'a': {'b': 1}}, [{'a': 1}], [], datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc), 'plain',
        {'big': 'x' * 250, 'more': ['y' * 250] * 500}]),
]

# (label, verdict) for each input above, in order: ('ok', what is sent) or ('invalid', the reason).
EXPECTED = [
    ('text', ('ok', 'a')),
    ('text', ('ok', '5')),
    ('text', ('invalid', 'expected text, got bool')),
    ('text', ('invalid', 'expected text, got float')),
    ('text', ('invalid', 'expected text, got NoneType')),
    ('text', ('invalid', 'integer outside 64 bits')),
    ('text', ('invalid', 'empty text')),
    ('text', ('invalid', 'empty text')),
    ('text', ('invalid', 'longer than 255 characters')),
    ('text', ('ok', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')),
    ('email', ('ok', 'a@b.example')),
    ('email', ('invalid', 'not an email address (no @)')),
    ('email', ('invalid', 'not an email address (no @)')),
    ('phone', ('ok', '+14155550100')),
    ('phone', ('invalid', 'not a phone number in international form (+ and 7-15 digits)')),
    ('phone', ('invalid', 'not a phone number in international form (+ and 7-15 digits)')),
    ('phone', ('invalid', 'not a phone number in international form (+ and 7-15 digits)')),
    ('phone', ('invalid', 'not a phone number in international form (+ and 7-15 digits)')),
    ('gender', ('ok', 'F')),
    ('gender', ('ok', 'N')),
    ('gender', ('invalid', 'not a gender Braze knows (M, F, O, N, P)')),
    ('gender', ('ok', 'P')),
    ('country', ('ok', 'US')),
    ('country', ('invalid', 'expected a 2-letter ISO code')),
    ('country', ('invalid', 'expected a 2-letter ISO code')),
    ('country', ('invalid', 'expected a 2-letter ISO code')),
    ('subscription_state', ('ok', 'opted_in')),
    ('subscription_state', ('ok', 'subscribed')),
    ('subscription_state', ('ok', 'unsubscribed')),
    ('subscription_state', ('ok', 'opted_in')),
    ('subscription_state', ('invalid', 'expected opted_in, subscribed or unsubscribed')),
    ('subscription_state', ('invalid', 'expected opted_in, subscribed or unsubscribed')),
    ('subscription_groups', ('ok', [{'subscription_group_id': '5', 'subscription_state': 'subscribed'}])),
    ('subscription_groups', ('invalid', 'subscription_group_id: expected text, got NoneType')),
    ('subscription_groups', ('ok', [{'subscription_group_id': 'g', 'subscription_state': 'subscribed'}])),
    ('subscription_groups', ('invalid', 'expected a list of subscription groups')),
    ('subscription_groups', ('invalid', 'expected a list of subscription groups')),
    ('subscription_groups', ('invalid', 'each subscription group must be an object')),
    ('subscription_groups', ('invalid', 'subscription_state must be subscribed or unsubscribed')),
    ('subscription_groups', ('invalid', 'subscription_group_id: missing')),
    ('subscription_groups', ('invalid', 'subscription_state: missing')),
    ('subscription_groups', ('ok', [{'subscription_group_id': 'g', 'subscription_state': 'unsubscribed'}, {'subscription_group_id': 'h', 'subscription_state': 'subscribed'}])),
    ('location', ('ok', {'latitude': 40.7, 'longitude': -74})),
    ('location', ('invalid', 'latitude must be a number within +/-90')),
    ('location', ('invalid', 'longitude must be a number within +/-180')),
    ('location', ('invalid', 'latitude is not a number')),
    ('location', ('invalid', 'latitude must be a number within +/-90')),
    ('location', ('invalid', 'latitude must be a number within +/-90')),
    ('location', ('invalid', 'latitude is missing')),
    ('location', ('invalid', 'expected {"latitude": ..., "longitude": ...}')),
    ('location', ('ok', {'latitude': 90, 'longitude': 180})),
    ('boolean', ('ok', True)),
    ('boolean', ('ok', False)),
    ('boolean', ('ok', False)),
    ('boolean', ('invalid', 'expected true or false')),
    ('number', ('ok', 1.5)),
    ('number', ('ok', 2)),
    ('number', ('invalid', 'expected a number')),
    ('number', ('invalid', 'expected a number')),
    ('number', ('invalid', 'expected a number')),
    ('number', ('invalid', 'NaN or infinity')),
    ('quantity', ('ok', 3)),
    ('quantity', ('ok', 100)),
    ('quantity', ('invalid', 'expected a whole number from 1 to 100')),
    ('quantity', ('invalid', 'expected a whole number from 1 to 100')),
    ('quantity', ('invalid', 'expected a whole number from 1 to 100')),
    ('quantity', ('ok', 7)),
    ('quantity', ('invalid', 'expected a whole number from 1 to 100')),
    ('quantity', ('invalid', 'expected a whole number from 1 to 100')),
    ('quantity', ('ok', 7)),
    ('quantity', ('ok', 1)),
    ('quantity', ('ok', 100)),
    ('quantity', ('invalid', 'expected a whole number from 1 to 100')),
    ('quantity', ('ok', 1)),
    ('timestamp', ('ok', '2024-01-02T03:04:05+00:00')),
    ('timestamp', ('ok', '2024-01-02T03:04:00+00:00')),
    ('timestamp', ('ok', '2024-01-02T03:04:05.123456+05:30')),
    ('timestamp', ('ok', '2024-01-02T03:04:05.123000+00:00')),
    ('timestamp', ('invalid', 'not a real date or time')),
    ('timestamp', ('invalid', 'UTC offset out of range')),
    ('timestamp', ('invalid', 'not an ISO-8601 date-time')),
    ('timestamp', ('ok', '2023-11-14T22:13:20+00:00')),
    ('timestamp', ('ok', '2023-11-14T22:13:20+00:00')),
    ('timestamp', ('invalid', 'not a finite number of seconds')),
    ('timestamp', ('invalid', 'epoch seconds out of range')),
    ('timestamp', ('ok', '2024-01-02T00:00:00+00:00')),
    ('timestamp', ('ok', '5138-11-16T09:46:40+00:00')),
    ('timestamp', ('ok', '1973-03-03T09:46:40.001000+00:00')),
    ('timestamp', ('ok', '2024-01-02T03:04:05+00:00')),
    ('timestamp', ('ok', '2024-01-02T03:04:05+02:00')),
    ('dob', ('ok', '1985-12-10')),
    ('dob', ('ok', '1985-12-10')),
    ('dob', ('invalid', 'not a real date (MM/DD/YYYY)')),
    ('dob', ('invalid', 'not a plausible date of birth')),
    ('dob', ('invalid', 'not a plausible date of birth')),
    ('dob', ('ok', '1990-05-06')),
    ('dob', ('ok', '1900-01-01')),
    ('dob', ('invalid', 'not a plausible date of birth')),
    ('dob', ('ok', TODAY.isoformat())),  # born today: plausible
    ('dob', ('invalid', 'not a plausible date of birth')),
    ('json_value', ('ok', [1, 'a', None, True, 1.5])),
    ('json_value', ('ok', {'a': {'b': [1]}})),
    ('json_value', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('json_value', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('json_value', ('invalid', 'NaN or infinity')),
    ('json_value', ('invalid', 'integer outside 64 bits')),
    ('json_value', ('invalid', 'longer than 255 characters')),
    ('json_value', ('invalid', 'object is not a JSON value')),
    ('json_value', ('ok', '2024-01-02T00:00:00+00:00')),
    ('json_value', ('invalid', 'nested deeper than 16 levels')),
    ('json_value', ('ok', [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]])),
    ('json_value', ('invalid', 'nested deeper than 16 levels')),
    ('json_value', ('ok', {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': 1}}}}}}}}}}}}}}}})),
    ('json_value', ('invalid', 'nested deeper than 16 levels')),
    ('json_value', ('ok', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')),
    ('json_value', ('ok', {'a': [{'b c': 1}]})),
    ('json_value', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('property_key', ('ok', 'ok')),
    ('property_key', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('property_key', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('property_key', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('property_key', ('invalid', 'property names must be 1-255 characters and not start with $')),
    ('property_key', ('ok', 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk')),
    ('property_key', ('ok', 'a$')),
    ('nested_key', ('ok', 'ok')),
    ('nested_key', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_key', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_key', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_key', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_key', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_key', ('ok', 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk')),
    ('nested_key', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_value', ('ok', {'a': {'$time': '2024-01-02T00:00:00+00:00'}})),
    ('nested_value', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_value', ('ok', [{'$time': '2024-01-02T00:00:00+00:00'}])),
    ('nested_value', ('invalid', 'not an ISO-8601 date-time')),
    ('nested_value', ('ok', [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]])),
    ('nested_value', ('invalid', 'nested deeper than 16 levels')),
    ('nested_value', ('invalid', 'nested deeper than 16 levels')),
    ('nested_value', ('ok', {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': {'k': 1}}}}}}}}}}}}}}}})),
    ('nested_value', ('invalid', 'nested deeper than 16 levels')),
    ('nested_value', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('nested_value', ('invalid', 'longer than 255 characters')),
    ('custom_attribute', ('ok', {'inc': 2})),
    ('custom_attribute', ('invalid', '"inc" takes one whole number')),
    ('custom_attribute', ('invalid', '"inc" takes one whole number')),
    ('custom_attribute', ('ok', {'add': ['a'], 'remove': ['b']})),
    ('custom_attribute', ('invalid', '"add" and "remove" take a list')),
    ('custom_attribute', ('invalid', 'add, inc cannot be combined in one attribute')),
    ('custom_attribute', ('ok', {'$add': [{'a': 1}]})),
    ('custom_attribute', ('invalid', '"$add" takes a list of objects')),
    ('custom_attribute', ('invalid', '"$add" takes a list of objects')),
    ('custom_attribute', ('ok', {'$update': [{'$identifier_key': 'id', '$identifier_value': 1, '$new_object': {'a': 2}}]})),
    ('custom_attribute', ('invalid', 'each "$update" entry needs exactly $identifier_key, $identifier_value, $new_object')),
    ('custom_attribute', ('invalid', '"$new_object" must be an object')),
    ('custom_attribute', ('invalid', '"$update" takes a list')),
    ('custom_attribute', ('ok', {'$remove': [{'$identifier_key': 'id', '$identifier_value': 1}]})),
    ('custom_attribute', ('invalid', 'nested keys must be 1-255 characters without spaces, periods or $')),
    ('custom_attribute', ('invalid', 'each "$remove" entry needs exactly $identifier_key, $identifier_value')),
    ('custom_attribute', ('ok', {'a': {'b': 1}})),
    ('custom_attribute', ('ok', [{'a': 1}])),
    ('custom_attribute', ('ok', [])),
    ('custom_attribute', ('ok', '2024-01-02T00:00:00+00:00')),
    ('custom_attribute', ('ok', 'plain')),
    ('custom_attribute', ('invalid', 'larger than Braze allows for one attribute (100 KB)')),
]
INPUTS = [(label, name, value) for label, name, inputs in CASES for value in inputs]


def normalizer(name):
    return values.letters(name[1], getattr(str, name[2])) if isinstance(name, tuple) else getattr(values, name)


@pytest.mark.parametrize('index', range(len(INPUTS)))
def test_each_normalizer_gives_its_exact_verdict(index):
    label, name, value = INPUTS[index]
    try:
        verdict = ('ok', json.loads(json.dumps(normalizer(name)(value))))
    except values.InvalidValue as problem:
        verdict = ('invalid', str(problem))
    assert (label,) + verdict == (EXPECTED[index][0],) + tuple(EXPECTED[index][1]), (label, repr(value)[:60])


def test_the_table_covers_every_input():
    assert len(EXPECTED) == len(INPUTS)


def test_epoch_seconds_are_read_as_utc_whatever_the_server_s_time_zone(monkeypatch):
    import time
    monkeypatch.setenv('TZ', 'America/New_York')
    time.tzset()
    try:
        assert values.parse_datetime(0) == datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        assert values.timestamp(1764633600) == '2025-12-02T00:00:00+00:00'
    finally:
        monkeypatch.undo()
        time.tzset()


def test_nested_keys_refuse_only_spaces_periods_and_dollars():
    assert values.nested_key('Xmas_2026') == 'Xmas_2026'
    for key in ('a b', 'a.b', '$a'):
        with pytest.raises(values.InvalidValue):
            values.nested_key(key)


def test_an_empty_container_may_sit_at_the_deepest_level_one_below_is_refused():
    edge = []
    for _ in range(values.MAX_DEPTH):
        edge = [edge]   # the empty list at depth MAX_DEPTH: nothing in it is deeper
    assert values.nested_value(edge) == edge
    with pytest.raises(values.InvalidValue, match='nested deeper than 16 levels'):
        values.nested_value([edge])


def test_a_nested_attribute_of_exactly_the_size_braze_takes_is_kept_one_byte_more_is_refused():
    exact = {'k{:04}'.format(n): 'x' * 200 for n in range(600)}  # texts are at most 255 characters each
    while values.encoded_size(exact) > values.MAX_NESTED_BYTES:
        exact.popitem()
    exact['last'] = ''
    exact['last'] = 'x' * (values.MAX_NESTED_BYTES - values.encoded_size(exact))
    assert values.encoded_size(exact) == values.MAX_NESTED_BYTES and len(exact['last']) <= 255
    assert values.custom_attribute(exact) == exact
    with pytest.raises(values.InvalidValue, match='larger than Braze allows for one attribute'):
        values.custom_attribute(dict(exact, last=exact['last'] + 'x'))
