# -*- coding: utf-8 -*-
"""The building budget and reference resolution at their edges: when the clock is read, time left
exactly zero, nesting exactly at the limit, what a global weighs, a context that is not a dict."""
import pytest

from support import load_module

variables = load_module('actions.braze_variables')
MAX_DEPTH = load_module('actions.braze_values').MAX_DEPTH


def test_the_clock_is_read_once_every_check_every_values():
    reads = []
    budget = variables.Budget(lambda: reads.append(1) or 1.0)
    for _ in range(variables.Budget.CHECK_EVERY - 1):
        budget.tick()
    assert reads == []
    budget.tick()
    assert reads == [1]
    for _ in range(variables.Budget.CHECK_EVERY):
        budget.tick()
    assert reads == [1, 1]


def test_no_time_left_at_all_stops_building():
    budget = variables.Budget(lambda: 0.0)
    for _ in range(variables.Budget.CHECK_EVERY - 1):
        budget.tick()
    with pytest.raises(variables.BudgetExceeded) as spent:
        budget.tick()
    assert str(spent.value) == 'building the input took too long'


def nest(levels):
    value = 'x'
    for _ in range(levels):
        value = [value]
    return value


def test_nesting_exactly_at_the_limit_is_kept_one_more_level_is_refused():
    resolver = variables.Variables({}, {}, variables.Budget(lambda: 1.0))
    assert resolver.tree(nest(MAX_DEPTH)) == nest(MAX_DEPTH)
    assert resolver.tree({'a': nest(MAX_DEPTH - 1)}) == {'a': nest(MAX_DEPTH - 1)}
    with pytest.raises(variables.InvalidValue) as refused:
        resolver.tree(nest(MAX_DEPTH + 1))
    assert str(refused.value) == 'nested deeper than {} levels'.format(MAX_DEPTH)
    with pytest.raises(variables.InvalidValue):
        resolver.tree({'a': nest(MAX_DEPTH)})


def test_a_global_weighs_its_items_and_the_characters_of_its_texts_and_keys():
    assert variables._weight({'ab': 'cde', 'fgh': ['ij', 'k']}, 100, 100) == (5, 11)
    assert variables._weight(['a' * 10, 'b' * 10, 'c' * 10], 100, 10) == (3, 20)   # stops once past the budget
    assert variables._weight(['x', 'a' * 10], 100, 10) == (3, 11)                   # exactly at it goes on


def test_a_context_that_is_not_a_dict_has_no_globals():
    resolver = variables.Variables({'A': 'payload'}, None, variables.Budget(lambda: 1.0))
    assert resolver.lookup('A') == 'payload' and resolver.lookup('B') is variables.MISSING


def test_reference_names_are_remembered_within_a_bound():
    conventions = load_module('actions.braze_conventions')
    conventions._NAMES.clear()
    assert conventions.reference_name('{ USER_ID }') == 'USER_ID'
    assert conventions.reference_name('{ USER_ID }') == 'USER_ID' and conventions._NAMES == {'{ USER_ID }': 'USER_ID'}
    assert conventions.reference_name('{not a name}') is None and '{not a name}' not in conventions._NAMES
    for number in range(300):
        assert conventions.reference_name('{V%d}' % number) == 'V%d' % number
    assert 0 < len(conventions._NAMES) <= 256
    conventions._NAMES.clear()
    for number in range(256):
        conventions.reference_name('{V%d}' % number)
    assert len(conventions._NAMES) == 256
    conventions.reference_name('{W}')
    assert conventions._NAMES == {'{W}': 'W'}


def test_each_unset_global_is_named_once_and_no_more_than_twenty_are_named():
    budget = variables.Budget(lambda: 1.0)
    resolver = variables.Variables({}, {}, budget)
    assert resolver.lookup('A') is variables.MISSING and resolver.lookup('A') is variables.MISSING
    assert budget.unset == ['A']
    for index in range(30):
        resolver.lookup('G{}'.format(index))
    assert budget.unset == ['A'] + ['G{}'.format(index) for index in range(19)]


def test_a_global_s_weight_counts_every_text_and_every_key_whatever_the_order():
    # (items, characters): the list, the dict, its value, the text; "abc" is counted before the dict's key "de"
    assert variables._weight([{'de': 1}, 'abc'], 100, 100) == (4, 5)
    assert variables._weight(['abc', {'de': 1}], 100, 100) == (4, 5)
