# -*- coding: utf-8 -*-
"""The log masker's edges, as exact text: escapes, each written form of the key, where a key run
ends, the personal-value order and bounds, the list and line budgets, a failing sink."""
import json
from urllib.parse import quote

import pytest

from support import API_KEY, load_module

safelog = load_module('actions.braze_safelog')
# A key in the shape settings accept (printable ASCII, no spaces) with every character that some
# written form escapes: a quote, a backslash, a slash, a percent sign and a plus.
ODD_KEY = 'Ab3"d\\e/f%g+h7k9m2n4p6q8r1s5t0'


def masked(line, key=API_KEY, personal=()):
    masker = safelog.Masker()
    masker.hide_key(key)
    masker.hide_personal(personal)
    return masker.mask(line)


def test_escapes_are_exact():
    assert safelog.escape('a\x1bb\x9fc\u202ed') == 'a\\x1bb\\x9fc\\u202ed'


@pytest.mark.parametrize('form', [ODD_KEY, json.dumps(ODD_KEY)[1:-1], json.dumps(ODD_KEY)[1:-1].replace('/', '\\/'),
                                  repr(ODD_KEY)[1:-1], quote(ODD_KEY), quote(ODD_KEY, safe='')])
def test_every_written_form_of_an_odd_key_is_masked_whole(form):
    assert masked('sent [{}] now'.format(form), key=ODD_KEY) == 'sent [<api-key>] now'


def test_the_first_and_last_pieces_of_the_key_are_masked_in_log_lines_and_a_run_stops_at_other_letters():
    assert masked('head ' + API_KEY[:6] + ' end') == 'head <api-key> end'
    assert masked('tail ' + API_KEY[-6:] + ' end') == 'tail <api-key> end'
    assert masked('key=' + API_KEY + 'XYZ') == 'key=<api-key>XYZ'   # no X, Y or Z in the key
    # a key whose written forms differ: the run stops at the first character none of them holds
    assert masked('key=' + ODD_KEY + 'XYZ', key=ODD_KEY) == 'key=<api-key>XYZ'


def test_returned_values_mask_a_16_character_piece_at_either_end_and_nothing_shorter():
    masker = safelog.Masker()
    masker.hide_key(API_KEY)
    assert masker.mask_key('v' + API_KEY[-16:]) == 'v<api-key>'
    assert masker.mask_key(API_KEY[:16] + '!') == '<api-key>!'
    assert masker.mask_key('v' + API_KEY[-15:]) == 'v' + API_KEY[-15:]
    masker.hide_key('')
    assert masker.mask_key(API_KEY) == API_KEY and masker.mask(API_KEY[:6]) == API_KEY[:6]


def test_the_longest_personal_value_is_masked_first_whatever_their_alphabetical_order():
    assert masked('name=Alice Zed; first=Zed', personal=['Zed', 'Alice Zed']) == 'name=<personal>; first=<personal>'


def test_personal_numbers_are_masked_and_a_skipped_value_skips_only_itself():
    assert masked('code 42 and Ava', personal=[42, 'Ava']) == 'code <personal> and <personal>'
    # a flag, or a number past 18 digits (the phone rule masks those), is not a personal value
    assert masked('on True and Ava', personal=[True, 10 ** 18, 'Ava']) == 'on True and <personal>'


def test_a_personal_value_as_long_as_four_lines_is_masked_a_longer_one_is_not():
    longest = 'a' * (safelog.MAX_LINE * 4)
    assert masked(longest, personal=[longest]) == '<personal>'
    assert masked(longest + 'b', personal=[longest + 'b']) == longest + 'b'


def test_clip_keeps_a_line_of_exactly_the_limit():
    assert safelog.clip('x' * 10, 10) == 'x' * 10
    assert safelog.clip('x' * 11, 10) == 'xxxxxxx...'


def test_a_list_of_exactly_the_shown_length_has_no_more_line_and_one_more_has_one():
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    say.each('dropped inputs', list(range(safelog.SHOWN_PER_LIST)), str)
    assert lines == ['Node: {}'.format(n) for n in range(safelog.SHOWN_PER_LIST)]
    del lines[:]
    say.each('dropped inputs', list(range(safelog.SHOWN_PER_LIST + 1)), str)
    assert lines[-1] == 'Node: 1 more dropped inputs not listed here'


def test_an_outcome_with_a_detail_adds_the_count_of_lines_not_shown_after_a_space():
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    for number in range(safelog.MAX_DETAIL + 2):
        say('detail {}'.format(number))
    say.outcome('error reason=rejected', 'Braze refused part of it')
    assert lines[-1] == 'Node: error reason=rejected: Braze refused part of it (2 more log lines not shown)'


def test_every_failure_of_the_sink_is_counted():
    def refuse(line):
        raise IOError('sink down')

    say = safelog.SafeLog(refuse, 'Node')
    say('one')
    say.outcome('success status=201')
    assert say.sink_failures == 4   # each line tried as it is, then in ASCII


def test_a_log_that_is_not_callable_is_ignored():
    say = safelog.SafeLog('not a function', 'Node')
    say('one')
    say.outcome('success status=201')
    assert say.sink_failures == 0
