# -*- coding: utf-8 -*-
"""The core's edges, each at its exact boundary: budgets, weights, flags, sizes, labels, waits. Each
test fails when a comparison, a count or a word of its rule changes."""
import pytest

from support import FakeClock, load_module

conventions = load_module('actions.braze_conventions')
settings = load_module('actions.braze_settings')
safelog = load_module('actions.braze_safelog')
variables = load_module('actions.braze_variables')
retry = load_module('actions.braze_retry')
track = load_module('actions.braze_track')


@pytest.mark.parametrize('value, expected', [(True, True), (False, False), (1, True), (0, False), (' Yes ', True),
                                             ('off', False), ('ON', True), ('0', False)])
def test_the_words_and_numbers_for_true_and_false(value, expected):
    assert conventions.as_bool(value) is expected


@pytest.mark.parametrize('value', [2, -1, 'maybe', None, 1.0, [], ''])
def test_anything_else_is_not_a_flag(value):
    with pytest.raises(ValueError, match='^expected true or false$'):
        conventions.as_bool(value)


@pytest.mark.parametrize('text', ['\ufeff{"a": 1}', b'\xef\xbb\xbf{"a": 1}', '{"a": 1}', b'{"a": 1}'])
def test_json_text_is_read_with_or_without_a_byte_order_mark(text):
    assert conventions.parse_json_object(text) == {'a': 1}


def test_secrets_of_exactly_32_characters_are_enough_and_31_are_not():
    assert settings._secrets({'k': 's' * 32}, 32) == {'k': 's' * 32}
    with pytest.raises(settings.SettingsError) as refused:
        settings._secrets({'k': 's' * 31}, 32)
    assert str(refused.value) == 'braze_link_secrets: every secret must be at least 32 characters'


@pytest.mark.parametrize('value, message', [
    ('not json', 'braze_link_secrets is text but not a JSON object: write {"kid": "secret"}'),
    (None, 'braze_link_secrets is not set: BrazeVerifyLink needs {"kid": "secret"}'),
    ({'k': 1}, 'braze_link_secrets must map key ids to secrets, e.g. {"2026-11": "<secret>"}'),
])
def test_each_secrets_refusal_says_exactly_what_to_write(value, message):
    with pytest.raises(settings.SettingsError) as refused:
        settings._secrets(value, 32)
    assert str(refused.value) == message


def test_text_for_the_chat_is_clipped_past_1000_characters_only():
    assert safelog.for_chat('a' * safelog.MAX_CHAT_TEXT) == 'a' * safelog.MAX_CHAT_TEXT
    assert safelog.for_chat('a' * (safelog.MAX_CHAT_TEXT + 1)) == 'a' * (safelog.MAX_CHAT_TEXT - 3) + '...'


def test_the_budget_allows_exactly_its_items_and_characters():
    budget = variables.Budget(lambda: 1.0, items=3, chars=10)
    budget.charge(3, 10)  # spent to the last item and character: still within
    with pytest.raises(variables.BudgetExceeded) as spent:
        budget.charge(0, 1)
    assert str(spent.value) == 'references copy more into the input than one call may build'
    budget = variables.Budget(lambda: 1.0, items=3, chars=10)
    budget.charge(3, 0)
    with pytest.raises(variables.BudgetExceeded):
        budget.charge(1, 0)


def test_each_use_of_a_text_global_costs_one_item_and_its_length():
    budget = variables.Budget(lambda: 1.0, items=3, chars=9)
    refs = variables.Variables({'T': 'abc'}, {}, budget)
    for _ in range(3):
        refs.value('{T}')
    assert (budget.items, budget.chars) == (0, 0)


def test_a_structured_global_weighs_its_items_and_characters():
    assert variables._weight({'ab': 'xyz', 'c': ['d', 5]}, 100, 100) == (5, 7)
    budget = variables.Budget(lambda: 1.0, items=10, chars=14)
    refs = variables.Variables({'S': {'ab': 'xyz', 'c': ['d', 5]}}, {}, budget)
    refs.value('{S}')
    refs.value('{S}')  # the weight is counted once and charged at every use
    assert (budget.items, budget.chars) == (0, 0)


def test_a_wait_of_nothing_never_sleeps():
    clock = FakeClock()
    deadline = retry.Deadline(5, clock, clock.sleep)
    deadline.wait(0)
    deadline.wait(-1)
    deadline.wait(0.5)
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize('headers, now, wait', [
    ({'X-RateLimit-Reset': str(int(retry.EPOCH_THRESHOLD))}, retry.EPOCH_THRESHOLD - 3, 3.0),  # at the threshold: a time
    ({'X-RateLimit-Reset': '-5'}, 0, 0.0), ({'X-Ratelimit-Retry-After': '-2'}, 0, 0.0),
    ({'X-Ratelimit-Retry-After': '0.5'}, 0, 0.5)])
def test_rate_limit_waits_at_their_edges(headers, now, wait):
    assert retry.rate_limit_wait(headers, now) == wait


def test_attributes_fill_a_chunk_exactly_before_a_new_one_starts():
    half = track.ATTRIBUTES_CHUNK // 2
    fill = {'a': {'x': 'y' * (half - 8)}, 'b': {'x': 'z' * (half - 8)}}  # each weighs exactly half
    assert track._chunks(fill) == [fill]
    assert track._chunks(dict(fill, c=1)) == [fill, {'c': 1}]
    assert track._chunks({'c': 1, 'd': 2}) == [{'c': 1, 'd': 2}] and track._chunks({}) == []


def test_labels_of_dropped_ranges_and_long_names():
    assert track._range('events', 5, 6) == 'events[5]'
    assert track._range('events', 5, 8) == 'events[5..7]'
    assert track.short(5) == 'int' and track.short('n' * 40) == 'n' * 40
    assert track.short('n' * 41) == 'n' * 37 + '...'
    assert str(track._Label('plan')) == 'attributes.plan'
