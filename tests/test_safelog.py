# -*- coding: utf-8 -*-
"""Log lines and returned strings: escaped, then masked, then clipped; a broken sink loses nothing."""
import json
from urllib.parse import quote, quote_plus

import pytest
import responses

from support import API_KEY, SANDBOX, TRACK_URL, BrazeUserTrack, assert_no_key, load_module

safelog = load_module('actions.braze_safelog')

# Keys settings accept (no spaces, printable ASCII): with / and + (URL-encoded, they change), with both
# quotes (repr escapes one, JSON the other), and with digit runs a phone pattern would otherwise eat.
KEYS = [API_KEY, 'sk.live.a1b2c3d4e5f6a7b8c9d0', 'AbCd/Ef+Gh==IjKl/Mn+Op==', "we'ird\\key\"with-quotes",
        "'\"/+key-1234567890-abc", 'x/+y' * 9, '12345678901234567890abcdef']


def whole_forms(key):
    as_json = json.dumps(key)[1:-1]
    return [key, key.upper(), key.lower(), quote(key, safe=''), quote(key), quote_plus(key), as_json,
            as_json.replace('/', '\\/'), repr(key)[1:-1], ascii(key)[1:-1]]


def forms(key):
    return whole_forms(key) + ['token_' + key + '_suffix', 'Bearer%20' + quote(key, safe=''), key[:10], key[-9:],
                               'InvalidValue API key: ' + key]


@pytest.mark.parametrize('key', KEYS)
def test_the_key_is_masked_in_every_written_form(key):
    say = safelog.SafeLog(None, 'Node')
    say.hide_key(key)
    for form in forms(key):
        masked = say.mask('before {} after'.format(form))
        assert_no_key([masked], key)
        assert masked.startswith('before ') and masked.endswith(' after'), masked


@pytest.mark.parametrize('key', KEYS)
def test_every_whole_form_of_the_key_is_masked_whole_not_a_character_shown(key):
    say = safelog.SafeLog(None, 'Node')
    say.hide_key(key)
    for form in whole_forms(key):
        assert say.mask('before {} after'.format(form)) == 'before <api-key> after', form


def test_ordinary_text_is_left_alone():
    say = safelog.SafeLog(None, 'Node')
    say.hide_key(API_KEY)
    line = 'status=201 attempts=1 elapsed_ms=12 objects=2 requests=1 dropped attributes.dob'
    assert say.mask(line) == line


def test_the_key_in_a_refusal_never_reaches_the_flow(mocked, params, make, logs):
    echoed = 'no such user: token_{}; url Bearer%20{}'.format(API_KEY.upper(), quote(API_KEY, safe=''))
    mocked.add(responses.POST, TRACK_URL, status=201, body=json.dumps({'message': 'success', 'errors': [
        {'type': echoed, 'input_array': 'events', 'index': 0}]}))
    result = make(BrazeUserTrack).execute(logs, {'external_id': 'u', 'events': [{'name': 'e'}]}, dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'rejected'
    assert_no_key(list(result.values()))


def test_control_characters_cannot_forge_lines_or_break_a_strict_sink(mocked, params, make):
    mocked.add(responses.POST, TRACK_URL, status=201, body='{"message": "success"}')
    written = []

    def strict_sink(line):
        line.encode('utf-8')  # raises on a lone surrogate
        written.append(line)

    names = {'evil\nBrazeUserTrack: success': {'a': 1}, 'bell\x07\x1b[31mred': 1, 'sep\u2028line': 1,
             'lone\ud800surrogate': 1, '\u202eevil': 1}
    payload = {'external_id': 'u', 'attributes': dict(names, **{'$bad' + k: 1 for k in names})}
    result = make(BrazeUserTrack).execute(strict_sink, payload, {'env': 'san\ndbox\x1b', 'user_data': {}})
    assert result['BRAZE_ERROR'] == 'config'  # the env name with control characters is refused, escaped
    result = make(BrazeUserTrack).execute(strict_sink, payload, dict(SANDBOX))
    assert result['success'] == 'true'
    for line in written + [result['BRAZE_DROPPED']]:
        assert '\n' not in line and '\x1b' not in line and '\u2028' not in line and '\u202e' not in line
        line.encode('utf-8')
    assert written[-1].startswith('BrazeUserTrack: success status=201')
    assert '\\x0a' in result['BRAZE_DROPPED'] and '\\ud800' in result['BRAZE_DROPPED']


def test_a_sink_that_fails_on_one_line_keeps_the_outcome_line(mocked, params, make):
    mocked.add(responses.POST, TRACK_URL, status=201, body='{"message": "success"}')
    written = []

    def picky(line):
        if 'dropped' in line:
            raise IOError('this sink refuses some lines')
        written.append(line)

    payload = {'external_id': 'u', 'attributes': {'dob': 'not a date', 'plan': 'pro'}}
    assert make(BrazeUserTrack).execute(picky, payload, dict(SANDBOX))['success'] == 'true'
    assert written and written[-1].startswith('BrazeUserTrack: success')


def test_a_call_logs_a_handful_of_lines_whatever_is_dropped(mocked, params, make, logs):
    mocked.add(responses.POST, TRACK_URL, status=201, body='{"message": "success"}')
    payload = {'external_id': 'u', 'attributes': dict(('bad{}'.format(n), float('nan')) for n in range(1000))}
    payload['attributes']['plan'] = 'pro'
    result = make(BrazeUserTrack).execute(logs, payload, dict(SANDBOX))
    assert len(logs) <= safelog.MAX_DETAIL + 1
    assert '995 more dropped inputs' in logs.text()
    assert len(result['BRAZE_DROPPED'].split(',')) == 1000  # every dropped input is still named


@pytest.mark.parametrize('value, text', [('Al', 'name Al, city Wu.'), ('Wu', 'from wu-tang'), ('Li', 'LI')])
def test_short_personal_values_are_masked_as_whole_words(value, text):
    say = safelog.SafeLog(None, 'Node')
    say.hide_personal([value])
    assert value.lower() not in say.mask(text).lower().replace('<personal>', '')


def test_short_values_do_not_eat_parts_of_words():
    say = safelog.SafeLog(None, 'Node')
    say.hide_personal(['Al'])
    assert say.mask('alias Al also') == 'alias <personal> also'


def test_masking_comes_before_clipping():
    """Through the logger: a value that straddles the clipping point is masked whole, never shown in part."""
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    say.hide_personal(['Lovelace'])
    room = safelog.MAX_LINE - len('Node: ')
    # Each tail with how much of it would show before the cut if the line were clipped first.
    for tail, before_cut in ((' call +1 555 123 4567 now', 14), (' Lovelace@example.com', 6), (' Lovelace and', 6)):
        say('x' * (room - 3 - before_cut) + tail)
    assert len(lines) == 3
    for line in lines:
        assert '555' not in line and 'Love' not in line and len(line) <= safelog.MAX_LINE


def test_a_call_over_its_line_budget_says_how_many_lines_it_did_not_show():
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    for n in range(safelog.MAX_DETAIL + 4):
        say('detail {}'.format(n))
    say.outcome('success status=201')
    assert len(lines) == safelog.MAX_DETAIL + 1
    assert lines[-1] == 'Node: success status=201: (4 more log lines not shown)'


def test_a_sink_that_refuses_non_ascii_still_gets_the_line_in_ascii():
    lines = []

    def ascii_only(line):
        lines.append(line.encode('ascii').decode('ascii'))

    say = safelog.SafeLog(ascii_only, 'Node')
    say.outcome('success status=201', 'caf\u00e9 \u2603')
    assert lines == ['Node: success status=201: caf\\xe9 \\u2603'] and say.sink_failures == 1


@pytest.mark.parametrize('personal', ['Ava', '1', '503', 'status', 'error', '12'])
def test_personal_values_never_hide_the_outcome_facts(personal):
    """A first name Ava must not turn reason=unavailable into un<personal>ilable, an external_id "1"
    must not mask attempts=1, and "503" must not hide the status."""
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    say.hide_personal([personal])
    facts = 'error reason=unavailable status=503 attempts=1 elapsed_ms=12'
    say.outcome(facts, 'user {} was not recorded'.format(personal))
    assert lines == ['Node: {}: user <personal> was not recorded'.format(facts)]


def test_outcome_facts_of_an_unexpected_shape_are_masked_like_any_text():
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    say.hide_personal(['Ada'])
    say.outcome('error reason=x name=Ada Lovelace')  # not words and name=value pairs: not trusted
    assert lines == ['Node: error reason=x name=<personal> Lovelace']


@pytest.mark.parametrize('value, text', [('Ava', 'unavailable'), ('1', 'attempts=12 x1 1x'), ('Ann', 'Annabel'),
                                         ('503', 'status 5030')])
def test_personal_values_are_masked_as_whole_tokens_only(value, text):
    say = safelog.SafeLog(None, 'Node')
    say.hide_personal([value])
    assert say.mask(text) == text
    assert say.mask('{} {}'.format(text, value)) == '{} <personal>'.format(text)


def test_returned_values_keep_data_that_shares_a_few_characters_with_the_key():
    say = safelog.SafeLog(None, 'Node')
    say.hide_key(API_KEY)
    shares_six = 'SAVE' + API_KEY[:6]
    braze_id = API_KEY[4:14] + 'ffffffffffffff'
    assert say.mask_key(shares_six) == shares_six and say.mask_key(braze_id) == braze_id
    assert say.mask(shares_six) == 'SAVE<api-key>'  # a log line stays as cautious as before
    for form in (API_KEY, API_KEY.upper(), 'x' + API_KEY[3:3 + safelog.RETURNED_KEY_PIECE] + 'y',
                 quote_plus(API_KEY), json.dumps(API_KEY)):
        assert_no_key([say.mask_key(form)], API_KEY[3:3 + safelog.RETURNED_KEY_PIECE])


def test_longer_personal_values_are_masked_whole_before_their_parts():
    say = safelog.SafeLog(None, 'Node')
    say.hide_personal(['Ann', 'Ann-Marie', 'Smith'])
    assert say.mask('name ann-marie smith') == 'name <personal> <personal>'


def test_a_huge_personal_value_costs_nothing_per_line():
    say = safelog.SafeLog(None, 'Node')
    say.hide_personal(['n' * 10 * 1024 * 1024, 'Ada'])
    assert say.mask('hello ada') == 'hello <personal>'


def test_emails_phones_and_personal_values_are_masked():
    lines = []
    say = safelog.SafeLog(lines.append, 'Node')
    say.hide_key(API_KEY)
    say.hide_personal(['Ada Lovelace', 'London', None, 'x'])
    say('key {} prefix {} mail ada@example.com phone +1 (555) 123-4567 name Ada Lovelace of london'.format(
        API_KEY, API_KEY[:8]))
    assert lines == ['Node: key <api-key> prefix <api-key> mail <email> phone <phone> name <personal> of <personal>']


def test_a_personal_integer_is_masked_as_personal_below_10_to_the_18_and_left_to_the_phone_rule_from_it():
    # The bound keeps str() of a huge integer off the per-call path; at and past it the number is
    # still masked, by the phone rule (19 digits and more).
    say = safelog.SafeLog(None, 'Node')
    say.hide_personal([10 ** 18 - 1, 10 ** 18, -(10 ** 18), True])
    assert say.mask('a {} b'.format(10 ** 18 - 1)) == 'a <personal> b'
    assert say.mask('a {} b'.format(10 ** 18)) == 'a <phone> b'
    assert say.mask('a {} b'.format(-(10 ** 18))) == 'a -<phone> b'
    assert say.mask('a True b') == 'a True b'  # a flag is never a personal value
