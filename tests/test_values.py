# -*- coding: utf-8 -*-
"""The value normalizers, and the field table that uses them."""
import datetime

import pytest

from support import load_module

fields = load_module('actions.braze_values')


@pytest.mark.parametrize('raw, expected', [
    ('1985-12-10', '1985-12-10'), ('12/10/1985', '1985-12-10'), ('1/2/2000', '2000-01-02'),
    ('1985-12-10T00:00:00Z', '1985-12-10'), (datetime.date(1990, 5, 6), '1990-05-06'),
    (datetime.datetime(1990, 5, 6, 7, 8), '1990-05-06'), (' 2000-02-29 ', '2000-02-29'),
])
def test_dob_is_normalized_to_yyyy_mm_dd(raw, expected):
    assert fields.dob(raw) == expected


@pytest.mark.parametrize('raw', ['1990-02-30', '02/30/1990', '13/01/1990', '31/12/1990', '1899-12-31',
                                 '2999-01-01', 'yesterday', '1990/01/01', 19900101, '', True])
def test_impossible_dates_of_birth_are_rejected(raw):
    with pytest.raises(fields.InvalidValue):
        fields.dob(raw)


@pytest.mark.parametrize('raw, expected', [
    ('2024-03-01T10:15:00Z', '2024-03-01T10:15:00+00:00'),
    ('2024-03-01T10:15:00', '2024-03-01T10:15:00+00:00'),
    ('2024-03-01 10:15', '2024-03-01T10:15:00+00:00'),
    ('2024-03-01T10:15:00.5+0530', '2024-03-01T10:15:00.500000+05:30'),
    ('2024-03-01T10:15:00.123456789-03:00', '2024-03-01T10:15:00.123456-03:00'),
    ('2024-03-01', '2024-03-01T00:00:00+00:00'),
    ('2013-07-16T19:20:30:045+0100', '2013-07-16T19:20:30.045000+01:00'),
    (1700000000, '2023-11-14T22:13:20+00:00'),
    (1700000000000, '2023-11-14T22:13:20+00:00'),
    (datetime.datetime(2024, 1, 2, 3, 4, 5), '2024-01-02T03:04:05+00:00'),
])
def test_times_get_an_explicit_offset(raw, expected):
    assert fields.timestamp(raw) == expected


@pytest.mark.parametrize('raw', ['2024-13-01T00:00:00Z', '2024-03-01T25:00:00Z', '01/03/2024 10:00',
                                 '2024-03-01T10:00:00+24:00', float('nan'), 1e30, 'now'])
def test_bad_times_are_invalid(raw):
    with pytest.raises(fields.InvalidValue):
        fields.timestamp(raw)


@pytest.mark.parametrize('raw, code', [('M', 'M'), ('male', 'M'), ('Female', 'F'), (' o ', 'O'),
                                       ('not applicable', 'N'), ('prefer not to say', 'P')])
def test_gender_codes(raw, code):
    assert fields.gender(raw) == code


def test_unknown_gender_is_invalid():
    with pytest.raises(fields.InvalidValue):
        fields.gender('unknown')


def test_email_is_trimmed_and_lowercased_not_regex_checked():
    assert fields.email('  José.Müller@Exämple.COM ') == 'josé.müller@exämple.com'
    assert fields.email('a+tag@b') == 'a+tag@b'
    with pytest.raises(fields.InvalidValue):
        fields.email('no-at-sign')


def test_strings_over_255_characters_are_invalid_and_the_reason_does_not_quote_them():
    with pytest.raises(fields.InvalidValue) as raised:
        fields.text('secret' * 100)
    assert 'secret' not in str(raised.value)


def test_json_value_limits():
    assert fields.json_value({'a': [1, 2.5, True, None, 'x']}) == {'a': [1, 2.5, True, None, 'x']}
    for bad in (float('nan'), float('-inf'), 2 ** 64, {'$x': 1}, {1: 2}, object(), 'x' * 256):
        with pytest.raises(fields.InvalidValue):
            fields.json_value(bad)
    deep = 1
    for _ in range(fields.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(fields.InvalidValue):
        fields.json_value(deep)


@pytest.mark.parametrize('raw, expected', [('+1 (555) 123-4567', '+15551234567'), ('+44.20.7946.0958', '+442079460958'),
                                           (' +33 1 23 45 67 89 ', '+33123456789')])
def test_phone_numbers_are_normalised_to_e164(raw, expected):
    assert fields.phone(raw) == expected


@pytest.mark.parametrize('raw', ['555-1234', '0033123456789', '+1 555 CALL', '+123456', '+1234567890123456', 15551234567])
def test_phone_numbers_braze_cannot_use_are_refused(raw):
    with pytest.raises(fields.InvalidValue):
        fields.phone(raw)


def test_nested_attributes_follow_braze_rules():
    assert fields.custom_attribute({'a': {'b': {'$time': '2020-01-02'}}}) == {'a': {'b': {'$time': '2020-01-02T00:00:00+00:00'}}}
    assert fields.custom_attribute([{'id': 1}, {'id': 2}]) == [{'id': 1}, {'id': 2}]
    assert fields.custom_attribute({'$add': [{'id': 1}]}) == {'$add': [{'id': 1}]}
    assert fields.custom_attribute({'$remove': [{'$identifier_key': 'id', '$identifier_value': 1}]})['$remove']
    for bad in ({'a b': 1}, {'x' * 256: 1}, {'$other': 1}, {'a': {'$time': 'yesterday'}}, {'$add': [1]},
                {'$update': [{'$identifier_key': 'id', '$identifier_value': 1}]}, {'$add': [], 'inc': 1},
                {'big': ['v' * 250] * 500}):
        with pytest.raises(fields.InvalidValue):
            fields.custom_attribute(bad)


def test_subscription_and_location_fields():
    assert fields.subscription_state('Opted-In') == 'opted_in'
    assert fields.subscription_groups({'subscription_group_id': 'g', 'subscription_state': 'Subscribed'}) == [
        {'subscription_group_id': 'g', 'subscription_state': 'subscribed'}]
    assert fields.location({'latitude': '40.7', 'longitude': -74}) == {'latitude': 40.7, 'longitude': -74}
    with pytest.raises(fields.InvalidValue):
        fields.location({'latitude': 91, 'longitude': 0})
    table = load_module('actions.braze_fields')
    assert table.ATTRIBUTES['country'].normalize('us') == 'US'
    assert table.ATTRIBUTES['language'].normalize('EN') == 'en'
    assert table.attribute('loyalty_tier') is table.CUSTOM and table.ATTRIBUTES['email'].personal


def test_custom_attribute_operations_are_checked():
    assert fields.custom_attribute({'inc': 2}) == {'inc': 2}
    assert fields.custom_attribute({'add': ['a'], 'remove': ['b']}) == {'add': ['a'], 'remove': ['b']}
    assert fields.custom_attribute({'nested': {'a': 1}}) == {'nested': {'a': 1}}
    for bad in ({'inc': 'x'}, {'inc': True}, {'inc': 1.5}, {'inc': 1, 'other': 2}, {'add': 'a'},
                {'add': ['a'], 'inc': 1}):
        with pytest.raises(fields.InvalidValue):
            fields.custom_attribute(bad)
