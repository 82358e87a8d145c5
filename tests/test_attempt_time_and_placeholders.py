# -*- coding: utf-8 -*-
"""Edges of small rules: an attempt with exactly the minimum time left, the share of the deadline
input building may use, what counts as an unreplaced placeholder, where a reference may start."""
import types

import pytest

from support import FakeClock, load_module

retry = load_module('actions.braze_retry')
call_module = load_module('actions.braze_call')
conventions = load_module('actions.braze_conventions')


def test_an_attempt_starts_with_exactly_the_minimum_time_left_and_not_with_less():
    clock = FakeClock(start=0.0)
    assert retry.Deadline(retry.MIN_ATTEMPT, clock, clock.sleep).has_time()
    assert not retry.Deadline(retry.MIN_ATTEMPT / 2, clock, clock.sleep).has_time()


def test_input_building_may_use_half_the_deadline():
    clock = FakeClock(start=0.0)
    settings = types.SimpleNamespace(deadline=6.0)
    call = call_module.Call(settings, retry.Deadline(6.0, clock, clock.sleep), None, None, None, None)
    budget = call.budget()
    assert budget._time_left() == 3.0
    clock.now = 2.0
    assert budget._time_left() == 1.0


@pytest.mark.parametrize('value, missing', [
    ('{ BRAZE API KEY }', True), ('{X}', True), ('  {X}  ', True), ('None', True), ('', True), (None, True),
    ('{X', False), ('X}', False), ('a{b}', False), (0, False), ('none', False),
])
def test_what_counts_as_missing(value, missing):
    assert conventions.is_missing(value) is missing


@pytest.mark.parametrize('value, name', [
    ('{X}', 'X'), ('{ X }', 'X'), ('{X} ', 'X'), ('  {X}', 'X'), ('   {X}', None), ('{X}.', None), ('{1X}', None),
])
def test_where_a_reference_may_start_and_end(value, name):
    conventions._NAMES.clear()
    assert conventions.reference_name(value) == name
