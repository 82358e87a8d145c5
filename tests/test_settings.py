# -*- coding: utf-8 -*-
"""app.PARAMS checks: every bad setting is a config error before any HTTP call, and the key can
only go to the host the HTTP stack will really connect to."""
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from urllib3.util import parse_url

from support import shown, API_KEY, SANDBOX, SEED_PAYLOAD, BrazeUserTrack, app, load_module

config = load_module('actions.braze_settings')


def settings(**block):
    base = {'braze_url': 'https://rest.iad-01.braze.com', 'braze_api_key': API_KEY,
            'braze_user_track': 'users/track'}
    base.update(block)

    class App(object):
        PARAMS = {'sandbox': base}
    return config.load(App, {'env': 'sandbox'})


def test_defaults():
    s = settings()
    assert s.url('users/track') == 'https://rest.iad-01.braze.com/users/track'
    assert (s.connect_timeout, s.read_timeout, s.deadline, s.max_attempts) == (2.0, 4.0, 6.0, 3)
    assert (s.per_array, s.combined) == (None, 75)  # valid under every contract (Braze's rate-limit page)
    assert s.retry_non_idempotent is False and s.ca_bundle is None
    assert (s.canvases, s.campaigns) == ({}, {})


def test_contracts_follow_braze_rate_limit_page():
    assert (settings(braze_contract='standard').per_array, settings(braze_contract='standard').combined) == (None, 75)
    assert (settings(braze_contract='legacy').per_array, settings(braze_contract='legacy').combined) == (75, 225)
    assert settings(braze_contract='legacy', braze_max_objects='100').combined == 100
    with pytest.raises(Exception, match='above what braze_contract allows'):
        settings(braze_contract='standard', braze_max_objects='76')
    assert settings(braze_max_objects='20').combined == 20
    assert settings(braze_contract='standard', braze_max_objects='75').combined == 75  # the limit itself is allowed


@pytest.mark.parametrize('path', ['users/trackX', 'Xusers/track', 'users/tracks'])
def test_braze_user_track_names_only_users_track(path):
    assert settings(braze_user_track=' /users/track/ ').url('users/track').endswith('/users/track')
    with pytest.raises(Exception, match="braze_user_track must be 'users/track'"):
        settings(braze_user_track=path)


@pytest.mark.parametrize('env', ['live', 'prod', 'production', 'LIVE', ' Production '])
@pytest.mark.parametrize('block_name', ['live', 'prod', 'production'])
def test_every_live_name_finds_any_live_block(env, block_name):
    class App(object):
        PARAMS = {'sandbox': {'braze_url': 'https://rest.iad-01.braze.com', 'braze_api_key': 'sandbox-key'},
                  block_name: {'braze_url': 'https://rest.fra-01.braze.eu', 'braze_api_key': 'live-key'}}
    assert config.load(App, {'env': env}).api_key == 'live-key'


BAD = [
    ({'braze_api_key': None}, 'braze_api_key is not set'),
    ({'braze_api_key': 'None'}, 'braze_api_key is not set'),
    ({'braze_api_key': '{ BRAZE API KEY }'}, 'braze_api_key is not set'),
    ({'braze_api_key': 'a b'}, 'spaces'),
    ({'braze_api_key': 'kéy'}, 'non-ASCII'),
    ({'braze_api_key': 'k' * 201}, 'far longer'),
    ({'braze_url': '{ BRAZE ENDPOINT URL }'}, 'braze_url is not set'),
    ({'braze_url': ''}, 'braze_url is not set'),
    ({'braze_url': 12345}, 'must be text'),
    ({'braze_url': 'http://rest.iad-01.braze.com'}, 'https://'),
    ({'braze_url': 'https://rest.iad-01.braze.com.evil.example'}, 'not a Braze REST host'),
    ({'braze_url': 'https://rest.iad-01.brazee.com'}, 'not a Braze REST host'),
    ({'braze_url': 'https://braze.com'}, 'not a Braze REST host'),
    ({'braze_url': 'https://user:pw@rest.iad-01.braze.com'}, '@'),
    ({'braze_url': 'https://rest.iad-01.braze.com?x=1'}, '?'),
    ({'braze_url': 'https://rest.iad-01.braze.com#x'}, '#'),
    ({'braze_url': 'https://rest.iad-01.braze.com:99999'}, 'port'),
    ({'braze_url': 'https://['}, 'must look like'),
    ({'braze_url': 'https://rest.iad-01.braze.com/a/../b'}, '..'),
    ({'braze_url': 'https://-x.braze.com'}, 'malformed host'),
    # Two parsers, two hosts: urlsplit reads evil.example\.braze.com, urllib3 connects to evil.example.
    ({'braze_url': 'https://evil.example\\.braze.com'}, 'backslash'),
    ({'braze_url': 'https://evil.example\\@rest.iad-01.braze.com'}, 'backslash'),
    # An IPv6 literal whose zone id ends in .braze.com.
    ({'braze_url': 'https://[fe80::1%25eth0.braze.com]'}, '%'),
    ({'braze_url': 'https://[::1%25.braze.com]:443'}, '%'),
    ({'braze_url': 'https://rest.iad-01.braze.com\t.evil.example'}, 'spaces'),
    ({'braze_url': 'https://evil.example%2f.braze.com'}, '%'),
    ({'braze_url': 'https://evil.example。com'}, 'Braze REST host'),
    ({'braze_user_track': 'users/track?api_key=' + API_KEY}, 'braze_user_track'),
    ({'braze_user_track': 'users/delete'}, 'braze_user_track'),
    ({'braze_user_track': '../users/track'}, 'braze_user_track'),
    ({'braze_user_track': 'https://evil.example/users/track'}, 'braze_user_track'),
    ({'braze_user_track': 42}, 'braze_user_track'),
    ({'braze_deadline': '0'}, 'braze_deadline'),
    ({'braze_deadline': 'nan'}, 'braze_deadline'),
    ({'braze_read_timeout': 'soon'}, 'braze_read_timeout'),
    ({'braze_max_objects': '20.5'}, 'braze_max_objects'),
    ({'braze_max_objects': 10 ** 400}, 'braze_max_objects'),
    ({'braze_max_objects': '76'}, 'braze_max_objects is above'),  # mau: 75 combined
    ({'braze_contract': 'gold'}, 'braze_contract'),
    ({'braze_max_attempts': True}, 'braze_max_attempts'),
    ({'braze_retry_non_idempotent': 'maybe'}, 'braze_retry_non_idempotent'),
    ({'braze_ca_bundle': '/no/such/file.pem'}, 'braze_ca_bundle'),
    ({'braze_ca_bundle': 'false'}, 'braze_ca_bundle'),
    ({'braze_canvases': '{"welcome": 3}'}, 'braze_canvases'),
    ({'braze_campaigns': ['x']}, 'braze_campaigns'),
]


@pytest.mark.parametrize('block, words', BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_settings_raise_a_config_error_that_quotes_no_value(block, words):
    with pytest.raises(config.SettingsError) as raised:
        settings(**block)
    assert words in str(raised.value)
    assert API_KEY not in str(raised.value) and 'evil' not in str(raised.value)


WHERE_THE_KEY_GOES = [case for case in BAD if set(case[0]) & {'braze_url', 'braze_user_track'}]


@pytest.mark.parametrize('block, words', WHERE_THE_KEY_GOES, ids=[str(i) for i in range(len(WHERE_THE_KEY_GOES))])
def test_a_bad_url_is_a_config_result_and_nothing_is_sent(block, words, params, mocked, make, logs):
    params.update(block)
    result = make(BrazeUserTrack).execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))
    assert shown(result) == {'success': 'error', 'BRAZE_ERROR': 'config'}
    assert len(mocked.calls) == 0


@pytest.mark.parametrize('url', ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9',
                                 'https://127.0.0.1:8443', 'https://rest.fra-02.braze.eu/',
                                 'https://rest.us-10.braze.com', 'https://REST.IAD-01.Braze.Com',
                                 'https://bücher.braze.com', 'https://rest.iad-01.braze.com:443/proxy/path'])
def test_accepted_urls_are_read_alike_by_urllib3_and_the_standard_library(url):
    s = settings(braze_url=url)
    final = s.url('users/track')
    assert final.endswith('/users/track') and '//users' not in final
    host = parse_url(final).host.strip('[]')
    assert host == urlsplit(final).hostname
    assert host.endswith(('.braze.com', '.braze.eu')) or host in ('127.0.0.1', 'localhost', '::1')


URL_PIECES = st.sampled_from(['https://', 'http://', 'rest.iad-01.braze.com', 'evil.example', '.braze.com', '\\',
                              '@', ':', '443', '/', '#', '?', '%2e', '%00', '[', ']', '::1', '%25', ' ', '\t', '\n',
                              '.', '..', 'ｂraze.com', '127.0.0.1', 'localhost', 'user:pw', ';', '\x00', 'ß'])


@hypothesis_settings(max_examples=400, deadline=None)
@given(pieces=st.lists(URL_PIECES, min_size=1, max_size=8))
def test_any_accepted_url_connects_only_to_a_braze_or_loopback_host(pieces):
    raw = ''.join(pieces)
    try:
        final = settings(braze_url=raw).url('users/track')
    except config.SettingsError:
        return
    seen = parse_url(final)
    host = (seen.host or '').strip('[]')
    assert host == urlsplit(final).hostname
    assert seen.auth is None and seen.query is None and seen.fragment is None
    assert host.endswith(('.braze.com', '.braze.eu')) or host in ('127.0.0.1', 'localhost', '::1') \
        or host.startswith('127.')


def test_custom_host_needs_an_explicit_setting():
    with pytest.raises(config.SettingsError):
        settings(braze_url='https://braze-proxy.corp.example')
    s = settings(braze_url='https://braze-proxy.corp.example', braze_allowed_host='braze-proxy.corp.example')
    assert s.url('users/track') == 'https://braze-proxy.corp.example/users/track'


def test_tls_verification_cannot_be_turned_off(tmp_path):
    for value in (False, None, 'None'):
        assert settings(braze_ca_bundle=value).ca_bundle is None
    for value in ('False', '0', 'no'):
        with pytest.raises(config.SettingsError):
            settings(braze_ca_bundle=value)
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    assert settings(braze_ca_bundle=str(bundle)).ca_bundle == str(bundle)


@pytest.mark.parametrize('context', [None, {}, {'env': ''}, {'env': 'staging'}, {'env': 42}, 'sandbox'])
def test_unknown_or_missing_environment_is_config_error(context):
    class App(object):
        PARAMS = {'sandbox': {}}
    with pytest.raises(config.SettingsError):
        config.load(App, context)


def test_the_cache_never_serves_true_from_the_entry_for_1():
    assert settings(braze_max_attempts=1).max_attempts == 1
    with pytest.raises(config.SettingsError):
        settings(braze_max_attempts=True)


def test_a_changed_block_is_checked_again():
    block = {'braze_url': 'https://rest.iad-01.braze.com', 'braze_api_key': 'k1'}

    class App(object):
        PARAMS = {'sandbox': block}
    assert config.load(App, {'env': 'sandbox'}).api_key == 'k1'
    block['braze_api_key'] = 'k2'
    assert config.load(App, {'env': 'sandbox'}).api_key == 'k2'
    block['braze_canvases'] = {'welcome': 'id-1'}  # a dict value: checked, and cached by content
    assert config.load(App, {'env': 'sandbox'}).canvases == {'welcome': 'id-1'}
    block['braze_canvases'] = {'welcome': 'id-2'}
    assert config.load(App, {'env': 'sandbox'}).canvases == {'welcome': 'id-2'}


def test_name_maps_come_as_dicts_or_json_text():
    assert settings(braze_canvases='{"welcome_back": " c-1 "}').canvases == {'welcome_back': 'c-1'}
    assert settings(braze_campaigns={'follow_up': 'k-1'}).campaigns == {'follow_up': 'k-1'}
    assert settings(braze_canvases='{ CANVASES }').canvases == {}


def test_app_reads_environment_variables(monkeypatch):
    monkeypatch.setenv('BRAZE_URL', 'https://rest.iad-02.braze.com')
    monkeypatch.setenv('BRAZE_API_KEY', 'shared')
    monkeypatch.setenv('BRAZE_LIVE_API_KEY', 'live-only')
    monkeypatch.setenv('BRAZE_SANDBOX_DEADLINE', '3')
    monkeypatch.setenv('BRAZE_LIVE_CANVASES', '{"welcome_back": "live-canvas"}')
    sandbox, live = app._braze_params('sandbox'), app._braze_params('live')
    assert sandbox['braze_api_key'] == 'shared' and live['braze_api_key'] == 'live-only'
    assert sandbox['braze_deadline'] == '3' and 'braze_deadline' not in live
    assert sandbox['braze_user_track'] == 'users/track'

    class App(object):
        PARAMS = {'live': live}
    assert config.load(App, {'env': 'live'}).canvases == {'welcome_back': 'live-canvas'}


def test_node_reads_params_at_call_time(params, make, logs):
    params['braze_api_key'] = None
    assert shown(make(BrazeUserTrack).execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX))) == {
        'success': 'error', 'BRAZE_ERROR': 'config'}
    assert 'braze_api_key is not set' in logs[-1]


@pytest.mark.parametrize('unset', [None, '', 'None', '{ BRAZE ALLOWED HOST }'])
def test_an_unset_allowed_host_is_no_allowed_host(unset):
    assert settings(braze_allowed_host=unset).url('users/track') == 'https://rest.iad-01.braze.com/users/track'
    with pytest.raises(Exception, match='not a Braze REST host'):
        settings(braze_allowed_host=unset, braze_url='https://proxy.corp')
