# -*- coding: utf-8 -*-
"""BrazeVerifyLink: a link a Braze message signed verifies; every tampered, partial, expired, far-future
or oversized one does not, and nothing a link holds (uid, signature, URL, kid) or a secret is logged."""
import json
from urllib.parse import quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import shown, LINK_SECRETS, BrazeVerifyLink, app, load_module

links = load_module('actions.braze_links')
NOW = 1796000000                       # the node's wall clock in these tests (2026-12)
KID, SECRET = '2026-11', LINK_SECRETS['2026-11']
UID = 'C-1001 Ada+Lovelace/ü'          # a space, a plus, a slash and a non-ASCII letter survive escaping
PAGE = 'https://shop.example.com/offers'


@pytest.fixture(autouse=True)
def link_params(monkeypatch):
    block = {'braze_link_secrets': dict(LINK_SECRETS)}
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': block})
    return block


# The log line of a signature that does not match: how the message must be built, no value of the link.
MISMATCH = ('the signature does not match (tampered, or signed with another secret): the message must sign exactly '
            'v1|bz_uid|bz_exp|bz_cohort, with the trailing | when there is no cohort, with the secret bz_kid names')


def fields(uid=UID, exp=NOW + 3600, kid=KID, cohort='gold', secret=SECRET, sig=None):
    found = {'bz_uid': uid, 'bz_exp': str(exp), 'bz_kid': kid, 'bz_cohort': cohort}
    found['bz_sig'] = sig if sig is not None else links.sign(uid, exp, secret, cohort)
    return found


def url_of(found, base=PAGE, order=None):
    """The URL as the recipe writes it: each value through url_param_escape (space as +, & and + escaped)."""
    names = order or list(found)
    return base + '?' + '&'.join('{}={}'.format(name, quote_plus(found[name])) for name in names)


def verify(url=None, passthrough=None, payload=None, now=NOW):
    lines = []
    user_data = {}
    if url is not None:
        user_data['last_viewed_url'] = url
    if passthrough is not None:
        user_data['passthrough'] = passthrough
    result = BrazeVerifyLink(wall=lambda: float(now)).execute(
        lines.append, payload or {}, {'env': 'sandbox', 'chat_id': 'c', 'user_data': user_data})
    return result, lines


def assert_nothing_of_the_link_logged(lines, found):
    text = '\n'.join(lines)
    for value in (found.get('bz_uid'), found.get('bz_sig'), found.get('bz_kid') if found.get('bz_kid') != KID else None,
                  quote_plus(found.get('bz_uid') or '') or None, SECRET, LINK_SECRETS['old'], 'shop.example.com'):
        if value:
            assert value not in text, (value, text)
    assert len(lines) == 1


def test_the_hmac_is_the_one_braze_liquid_documents():
    # Braze's advanced-filters page: {{'hey' | hmac_sha256_hex: 'secret_key'}} gives this.
    assert links.hmac_sha256_hex(b'hey', 'secret_key') == \
        '8df897f8da3d7992fe57c8dbc6f27578cfbf2dcc4d0fbb4000b8c924841d508e'
    assert links.message('C-1 ü', 1796003600, 'gold') == 'v1|C-1 ü|1796003600|gold'.encode('utf-8')
    assert links.message('C-1', 1796003600) == b'v1|C-1|1796003600|'  # no cohort: empty, bar kept
    assert links.sign('C-1', 1796003600, 'secret_key', 'gold') == links.hmac_sha256_hex(
        b'v1|C-1|1796003600|gold', 'secret_key')


def test_a_signed_link_verifies_and_hands_the_customer_to_the_flow():
    found = fields()
    result, lines = verify(url_of(found))
    assert shown(result) == {'success': 'verified', 'BRAZE_LINK_EXTERNAL_ID': UID, 'BRAZE_LINK_COHORT': 'gold',
                      'BRAZE_LINK_ROUTE': 'gold'}
    assert lines == ['BrazeVerifyLink: verified source=url: signature and expiry good']
    assert_nothing_of_the_link_logged(lines, found)


def test_field_order_an_absent_cohort_and_the_older_secret_all_verify():
    found = fields(cohort='', kid='old', secret=LINK_SECRETS['old'])
    del found['bz_cohort']
    result, _ = verify(url_of(found, order=['bz_sig', 'bz_kid', 'bz_exp', 'bz_uid']))
    assert shown(result) == {'success': 'verified', 'BRAZE_LINK_EXTERNAL_ID': UID, 'BRAZE_LINK_COHORT': '',
                      'BRAZE_LINK_ROUTE': 'verified'}


def test_the_parameter_input_url_wins_over_the_page_and_may_be_a_global():
    good = url_of(fields())
    result, _ = verify(url='https://other.example/', payload={'url': '{PAGE_URL}', 'PAGE_URL': good})
    assert result['success'] == 'verified'


def test_passthrough_is_read_when_the_page_url_holds_no_link_field():
    result, lines = verify(url=PAGE + '?utm_source=braze', passthrough=json.dumps(fields()))
    assert result['success'] == 'verified' and 'source=passthrough' in lines[0]
    result, _ = verify(url=None, passthrough=fields())  # a dict, as some chats hand it over
    assert result['success'] == 'verified'


def test_the_first_source_with_a_link_field_is_judged_alone():
    broken = dict(fields(), bz_sig='0' * 64)
    result, lines = verify(url=url_of(broken), passthrough=json.dumps(fields()))
    assert result['success'] == 'invalid' and 'source=url' in lines[0]


@pytest.mark.parametrize('passthrough', ['', 'not json', '[1, 2]', '"text"', '{"utm": "x"}', '[' * 50000])
def test_passthrough_that_is_not_a_json_object_with_link_fields_is_missing(passthrough):
    result, lines = verify(url=PAGE, passthrough=passthrough)
    assert passthrough[:20] not in lines[0] or not passthrough
    assert shown(result) == {'success': 'missing', 'BRAZE_LINK_EXTERNAL_ID': '', 'BRAZE_LINK_COHORT': '',
                      'BRAZE_LINK_ROUTE': 'missing'}
    assert lines == ['BrazeVerifyLink: missing source=-: no bz_ field in the page URL or the passthrough']


def test_an_expired_link_is_expired_after_the_grace_and_verified_within_it():
    found = fields(exp=NOW - 60)
    assert verify(url_of(found))[0]['success'] == 'verified'  # within a minute of clock difference
    result, lines = verify(url_of(found), now=NOW + 1)
    assert shown(result) == {'success': 'expired', 'BRAZE_LINK_EXTERNAL_ID': '', 'BRAZE_LINK_COHORT': '',
                      'BRAZE_LINK_ROUTE': 'expired'}
    assert_nothing_of_the_link_logged(lines, found)


def test_a_link_from_the_far_future_is_invalid():
    max_age = 30 * 24 * 3600
    assert verify(url_of(fields(exp=NOW + max_age + 60)))[0]['success'] == 'verified'
    result, lines = verify(url_of(fields(exp=NOW + max_age + 61)))
    assert result['success'] == 'invalid' and 'further ahead' in lines[0]


def test_braze_link_max_age_is_read_from_the_settings(link_params):
    link_params['braze_link_max_age'] = '3600'
    assert verify(url_of(fields(exp=NOW + 3660)))[0]['success'] == 'verified'
    assert verify(url_of(fields(exp=NOW + 3661)))[0]['success'] == 'invalid'


def tampered():
    good = fields()
    cases = {
        'uid': dict(good, bz_uid='C-1002 Ada+Lovelace/ü'),
        'cohort': dict(good, bz_cohort='platinum'),
        'expiry': dict(good, bz_exp=str(NOW + 7200)),
        'wrong kid': dict(good, bz_kid='old'),
        'unknown kid': dict(good, bz_kid='attacker-chosen-kid'),
        'truncated signature': dict(good, bz_sig=good['bz_sig'][:63]),
        'upper-case signature': dict(good, bz_sig=good['bz_sig'].upper()),
        'non-hex signature': dict(good, bz_sig='g' * 64),
        'base64 signature': dict(good, bz_sig='jfiX+No9eZL+V8jbxvJ1eM+/LcxND7tAALjJJIQdUI4='),
        'signed with another secret': fields(secret='z' * 40),
        'expiry with a sign': dict(good, bz_exp='+' + good['bz_exp']),
        'expiry in milliseconds': fields(exp=(NOW + 3600) * 1000),
        'empty uid': fields(uid=''),
        'uid with a bar': fields(uid='a|b'),
        'cohort with a bar': fields(cohort='a|b'),
        'cohort too long': fields(cohort='c' * 256),
        'uid too long': fields(uid='u' * 988),
    }
    partial = dict(good)
    del partial['bz_sig']
    cases['partial'] = partial
    return cases


# The outcome line of each case: which rule the link broke, and nothing of the link itself.
WHY = {
    'base64 signature': 'bz_sig is not 64 lower-case hex characters',
    'cohort': MISMATCH,
    'cohort too long': 'bz_cohort is over 255 characters',
    'cohort with a bar': 'bz_uid or bz_cohort holds |',
    'empty uid': 'bz_uid is empty',
    'expiry': MISMATCH,
    'expiry in milliseconds': 'bz_exp is not Unix seconds (1 to 12 ASCII digits)',
    'expiry with a sign': 'bz_exp is not Unix seconds (1 to 12 ASCII digits)',
    'non-hex signature': 'bz_sig is not 64 lower-case hex characters',
    'partial': 'partial link: no bz_sig',
    'signed with another secret': MISMATCH,
    'truncated signature': 'bz_sig is not 64 lower-case hex characters',
    'uid': MISMATCH,
    'uid too long': 'bz_uid is over 987 bytes',
    'uid with a bar': 'bz_uid or bz_cohort holds |',
    'unknown kid': 'bz_kid names no secret of this environment',
    'upper-case signature': 'bz_sig is not 64 lower-case hex characters',
    'wrong kid': MISMATCH,
}


@pytest.mark.parametrize('case', sorted(tampered()))
def test_every_tampered_or_malformed_link_is_invalid_and_logs_nothing_of_it(case):
    found = tampered()[case]
    for now in (NOW, NOW + 10 ** 8):  # a forged link is invalid even once its expiry has passed
        result, lines = verify(url_of(found), now=now)
        assert shown(result) == {'success': 'invalid', 'BRAZE_LINK_EXTERNAL_ID': '', 'BRAZE_LINK_COHORT': '',
                          'BRAZE_LINK_ROUTE': 'invalid'}, case
        assert lines == ['BrazeVerifyLink: invalid source=url: ' + WHY[case]]
        assert_nothing_of_the_link_logged(lines, found)


@pytest.mark.parametrize('query, why', [
    ('bz_uid=a&bz_uid=b&bz_exp=1&bz_kid=k&bz_sig=' + 'a' * 64, 'bz_uid is given twice'),
    ('bz_uid=%FF&bz_exp=1&bz_kid=k&bz_sig=' + 'a' * 64, 'bz_uid is not valid UTF-8 once decoded'),
    ('bz_uid=a&bz_exp=1&bz_kid=k&bz_sig={}&bz_evil=1'.format('a' * 64), 'a bz_ field that is not a link field'),
    ('bz_uid=a', 'partial link: no bz_exp, bz_kid, bz_sig'),
    ('%FF=1&bz_uid=a', 'partial link: no bz_exp, bz_kid, bz_sig'),  # an unreadable name is not ours
])
def test_malformed_queries_are_invalid(query, why):
    result, lines = verify(PAGE + '?' + query)
    assert result['success'] == 'invalid' and lines == ['BrazeVerifyLink: invalid source=url: ' + why]
    assert 'bz_evil' not in lines[0] and '%FF' not in lines[0] and 'a' * 64 not in lines[0]
    assert_nothing_of_the_link_logged(lines, {'bz_sig': 'a' * 64})


@pytest.mark.parametrize('passthrough, why', [
    ({'bz_uid': 5}, 'bz_uid in the passthrough is not text'),
    ({'bz_uid': 'x', 'bz_zz': '5'}, 'a bz_ field that is not a link field'),
    ({'bz_zz': 5}, 'a bz_ field in the passthrough is not text'),
])
def test_malformed_passthrough_fields_are_invalid(passthrough, why):
    result, lines = verify(url=PAGE, passthrough=json.dumps(passthrough))
    assert result['success'] == 'invalid' and lines == ['BrazeVerifyLink: invalid source=passthrough: ' + why]


def test_the_size_limits_are_inclusive():
    found = fields()
    url = url_of(found)
    exact = url.replace(PAGE, PAGE + '/' + 'p' * (links.MAX_URL - len(url.encode()) - 1), 1)
    assert len(exact.encode()) == links.MAX_URL and verify(exact)[0]['success'] == 'verified'
    assert verify(exact.replace('/p', '/pp', 1))[0]['success'] == 'invalid'
    text = json.dumps(found)
    padded = text[:-1] + ', "pad": "' + 'x' * (links.MAX_PASSTHROUGH - len(text) - 11) + '"}'
    assert len(padded) == links.MAX_PASSTHROUGH and verify(url=PAGE, passthrough=padded)[0]['success'] == 'verified'
    assert verify(url=PAGE, passthrough=padded[:-2] + 'x"}')[0]['success'] == 'invalid'


def test_a_field_twice_in_passthrough_json_is_invalid():
    found = fields()
    text = json.dumps(found)[:-1] + ', "bz_uid": "someone-else"}'
    result, lines = verify(url=PAGE, passthrough=text)
    assert result['success'] == 'invalid' and 'bz_uid is given twice' in lines[0]
    assert_nothing_of_the_link_logged(lines, found)
    assert 'someone-else' not in lines[0]


def test_a_huge_url_or_passthrough_is_invalid():
    found = fields()
    result, lines = verify(url_of(found, base=PAGE + '/' + 'p' * 9000))
    assert result['success'] == 'invalid' and 'over 8 KiB' in lines[0]
    assert_nothing_of_the_link_logged(lines, found)
    padded = dict(found, padding='x' * (64 * 1024))
    result, lines = verify(url=PAGE, passthrough=json.dumps(padded))
    assert result['success'] == 'invalid' and 'over 64 KiB' in lines[0]
    assert_nothing_of_the_link_logged(lines, found)


@pytest.mark.parametrize('secrets, words', [
    (None, 'not set'), ({}, 'not set'), ('not json', 'not a JSON object'), ('[1]', 'not a JSON object'), ({'k': 'short'}, 'at least 32'),
    ({'k': 'x' * 40, 'j': 'y' * 31}, 'at least 32'), (['x' * 40], 'map key ids'), ({'k': 5}, 'map key ids'),
    ('{ BRAZE LINK SECRETS }', 'not set')])
def test_bad_secrets_are_a_config_error_naming_the_setting_never_a_secret(link_params, secrets, words):
    link_params['braze_link_secrets'] = secrets
    result, lines = verify(url_of(fields()))
    assert result == {'success': 'error', 'BRAZE_LINK_EXTERNAL_ID': '', 'BRAZE_LINK_COHORT': '',
                      'BRAZE_LINK_ROUTE': 'error', 'BRAZE_DROPPED': '', 'BRAZE_ERROR': 'config'}
    assert words in lines[-1] and 'braze_link_secrets' in lines[-1] and 'y' * 31 not in lines[-1]


def test_secrets_may_be_json_text_as_from_an_environment_variable(link_params):
    link_params['braze_link_secrets'] = json.dumps(LINK_SECRETS)
    assert verify(url_of(fields()))[0]['success'] == 'verified'


@pytest.mark.parametrize('url', [5, ['x'], {'a': 1}])
def test_a_url_that_is_not_text_is_invalid_input(url):
    result, lines = verify(payload={'url': url})
    assert result['success'] == 'error' and result['BRAZE_ERROR'] == 'invalid_input'


def test_no_braze_url_or_key_is_needed():
    assert 'braze_url' not in app.PARAMS['sandbox'] and verify(url_of(fields()))[0]['success'] == 'verified'


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=st.one_of(st.none(), st.text(max_size=300), st.builds(
    lambda q: PAGE + '?' + q, st.text(alphabet='bz_uidexpksgcohrt=&%+ab0123456789FZ|', max_size=200))),
       passthrough=st.one_of(st.none(), st.text(max_size=200), st.dictionaries(
           st.sampled_from(links.FIELDS + ('bz_x', 'other')), st.one_of(st.text(max_size=20), st.integers()))))
def test_any_link_gets_one_of_the_outcomes_and_one_log_line(url, passthrough):
    result, lines = verify(url, passthrough)
    assert result['success'] in ('invalid', 'missing', 'expired', 'verified')
    assert list(result) == ['success', 'BRAZE_LINK_EXTERNAL_ID', 'BRAZE_LINK_COHORT', 'BRAZE_LINK_ROUTE', 'BRAZE_DROPPED',
                            'BRAZE_ERROR']
    assert len(lines) == 1
    if result['success'] != 'verified':
        assert result['BRAZE_LINK_EXTERNAL_ID'] == '' and result['BRAZE_LINK_COHORT'] == ''
        assert result['BRAZE_LINK_ROUTE'] == result['success']


def test_the_uid_and_cohort_limits_are_inclusive():
    assert verify(url_of(fields(uid='u' * 987)))[0]['success'] == 'verified'
    assert verify(url_of(fields(cohort='c' * 255)))[0]['success'] == 'verified'


def test_a_lone_surrogate_from_passthrough_json_is_invalid_text():
    found = dict(fields(), bz_uid='\ud800')
    result, lines = verify(url=PAGE, passthrough=json.dumps(found))
    assert lines == ['BrazeVerifyLink: invalid source=passthrough: bz_uid or bz_cohort is not valid text']


def test_an_unparseable_page_url_is_invalid():
    result, lines = verify('http://[::1/?bz_uid=a')
    assert lines == ['BrazeVerifyLink: invalid source=url: the page URL cannot be parsed']


def test_a_value_holding_equals_signs_and_a_name_that_is_not_utf8_are_read_as_the_form_says():
    found = fields(uid='a=b==c')
    result, _ = verify(url_of(found) + '&bz_%FF=1')  # an unreadable name is not one of ours
    assert result['success'] == 'verified' and result['BRAZE_LINK_EXTERNAL_ID'] == 'a=b==c'


def test_a_far_future_link_names_the_rule_and_by_how_many_seconds():
    result, lines = verify(url_of(fields(exp=NOW + 10 ** 8)))
    assert lines == ['BrazeVerifyLink: invalid source=url: bz_exp lies 1127.4 days further ahead than '
                     'braze_link_max_age allows (with 60 s for clock differences)']
    result, lines = verify(url_of(fields(exp=NOW + 30 * 24 * 3600 + 61)))
    assert lines == ['BrazeVerifyLink: invalid source=url: bz_exp lies 61 s further ahead than braze_link_max_age '
                     'allows (with 60 s for clock differences)']


def test_an_expired_link_says_how_long_ago_it_expired():
    result, lines = verify(url_of(fields(exp=NOW - 3600)))
    assert result['success'] == 'expired'
    assert lines == ['BrazeVerifyLink: expired source=url: the link expired 3600 s ago (links are honoured 60 s past '
                     'bz_exp, for clock differences)']


@pytest.mark.parametrize('name', ['bz_exp', 'bz_sig'])
def test_a_signed_field_followed_by_a_newline_is_invalid(name):
    # Signed over the newline too, so only the field rule (matched whole, not with $) can refuse it.
    found = fields(exp='{}\n'.format(NOW + 3600)) if name == 'bz_exp' else fields()
    if name == 'bz_sig':
        found[name] += '\n'
    result, lines = verify(url_of(found))
    assert result['success'] == 'invalid'
    assert ('bz_exp is not Unix seconds' if name == 'bz_exp' else 'bz_sig is not 64 lower-case hex') in lines[-1]
    for source in (None, {k: v for k, v in found.items()}):
        if source is not None:
            assert verify(passthrough=json.dumps(source))[0]['success'] == 'invalid'
