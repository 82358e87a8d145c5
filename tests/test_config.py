# -*- coding: utf-8 -*-
"""app.PARAMS checks: every bad setting is a config error before any HTTP call."""
import pytest

from support import API_KEY, SANDBOX, SEED_PAYLOAD, app, load_module

config = load_module('actions.braze_config')


def settings(**block):
    base = {'braze_url': 'https://rest.iad-01.braze.com', 'braze_api_key': API_KEY,
            'braze_user_track': 'users/track'}
    base.update(block)

    class App(object):
        PARAMS = {'sandbox': base}
    return config.load_settings(App, {'env': 'sandbox'})


def test_defaults():
    s = settings()
    assert s.url == 'https://rest.iad-01.braze.com/users/track'
    assert (s.connect_timeout, s.read_timeout, s.deadline, s.max_attempts, s.max_objects) == (2.0, 4.0, 6.0, 3, 75)
    assert s.retry_non_idempotent is False and s.verify is True


@pytest.mark.parametrize('env, found', [('live', 'live'), ('prod', 'live'), ('LIVE', 'live'), ('sandbox', 'sandbox')])
def test_prod_is_an_alias_of_live(env, found):
    class App(object):
        PARAMS = {'sandbox': {'braze_url': 'https://rest.iad-01.braze.com', 'braze_api_key': 'k1'},
                  'live': {'braze_url': 'https://rest.fra-01.braze.eu', 'braze_api_key': 'k2'}}
    s = config.load_settings(App, {'env': env})
    assert s.api_key == ('k2' if found == 'live' else 'k1')


def test_seed_style_prod_block_serves_live():
    class App(object):
        PARAMS = {'prod': {'braze_url': 'https://rest.iad-01.braze.com', 'braze_api_key': 'k'}}
    assert config.load_settings(App, {'env': 'live'}).api_key == 'k'


@pytest.mark.parametrize('block, words', [
    ({'braze_api_key': None}, 'braze_api_key is not set'),
    ({'braze_api_key': 'None'}, 'braze_api_key is not set'),
    ({'braze_api_key': '{ BRAZE API KEY }'}, 'braze_api_key is not set'),
    ({'braze_api_key': 'a b'}, 'spaces'),
    ({'braze_url': '{ BRAZE ENDPOINT URL }'}, 'braze_url is not set'),
    ({'braze_url': ''}, 'braze_url is not set'),
    ({'braze_url': 'http://rest.iad-01.braze.com'}, 'https://'),
    ({'braze_url': 'https://rest.iad-01.braze.com.evil.example'}, 'not a Braze REST host'),
    ({'braze_url': 'https://rest.iad-01.brazee.com'}, 'not a Braze REST host'),
    ({'braze_url': 'https://user:pw@rest.iad-01.braze.com'}, 'credentials'),
    ({'braze_url': 'https://rest.iad-01.braze.com?x=1'}, 'query'),
    ({'braze_url': 'https://rest.iad-01.braze.com:99999'}, 'not a valid URL'),
    ({'braze_deadline': '0'}, 'braze_deadline'),
    ({'braze_deadline': 'nan'}, 'braze_deadline'),
    ({'braze_read_timeout': 'soon'}, 'braze_read_timeout'),
    ({'braze_max_objects': '75.5'}, 'braze_max_objects'),
    ({'braze_max_objects': '500'}, 'braze_max_objects'),
    ({'braze_max_attempts': True}, 'braze_max_attempts'),
    ({'braze_retry_non_idempotent': 'maybe'}, 'braze_retry_non_idempotent'),
    ({'braze_ca_bundle': '/no/such/file.pem'}, 'braze_ca_bundle'),
    ({'braze_ca_bundle': 'false'}, 'braze_ca_bundle'),
])
def test_bad_settings_raise_config_error_without_the_value(block, words):
    with pytest.raises(config.ConfigError) as raised:
        settings(**block)
    assert words in str(raised.value)
    assert API_KEY not in str(raised.value)


@pytest.mark.parametrize('url', ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9',
                                 'https://rest.fra-02.braze.eu/', 'https://rest.us-10.braze.com'])
def test_accepted_urls(url):
    assert settings(braze_url=url).url.endswith('/users/track')
    assert '//users' not in settings(braze_url=url).url


def test_custom_host_needs_an_explicit_setting():
    with pytest.raises(config.ConfigError):
        settings(braze_url='https://braze-proxy.corp.example')
    s = settings(braze_url='https://braze-proxy.corp.example', braze_allowed_host='braze-proxy.corp.example')
    assert s.url == 'https://braze-proxy.corp.example/users/track'


def test_tls_verification_cannot_be_turned_off(tmp_path):
    for value in (False, 'False', '0', 'no'):
        result = None
        try:
            result = settings(braze_ca_bundle=value).verify
        except config.ConfigError:
            pass
        assert result in (True, None)
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    assert settings(braze_ca_bundle=str(bundle)).verify == str(bundle)


@pytest.mark.parametrize('context', [None, {}, {'env': ''}, {'env': 'staging'}, {'env': 42}])
def test_unknown_or_missing_environment_is_config_error(context):
    class App(object):
        PARAMS = {'sandbox': {}}
    with pytest.raises(config.ConfigError):
        config.load_settings(App, context)


def test_app_reads_environment_variables(monkeypatch):
    monkeypatch.setenv('BRAZE_URL', 'https://rest.iad-02.braze.com')
    monkeypatch.setenv('BRAZE_API_KEY', 'shared')
    monkeypatch.setenv('BRAZE_LIVE_API_KEY', 'live-only')
    monkeypatch.setenv('BRAZE_SANDBOX_DEADLINE', '3')
    params = app._braze_params('sandbox'), app._braze_params('live')
    assert params[0]['braze_api_key'] == 'shared' and params[1]['braze_api_key'] == 'live-only'
    assert params[0]['braze_deadline'] == '3' and 'braze_deadline' not in params[1]
    assert params[0]['braze_user_track'] == 'users/track'


def test_node_reads_params_at_call_time(params, node, logs):
    params['braze_api_key'] = None
    assert node.execute(logs, dict(SEED_PAYLOAD), dict(SANDBOX)) == {'success': 'error', 'BRAZE_ERROR': 'config'}
    assert 'braze_api_key is not set' in logs[-1]
