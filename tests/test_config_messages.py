# -*- coding: utf-8 -*-
"""Each unusable setting, and the exact line that names it (what a solution developer reads in the
chat's log); each usable edge case, and the exact URL it gives. Exact text, so that a changed word,
bound or branch of the settings and URL checks fails a test (docs/mutation.md)."""
import types

import pytest

from support import API_KEY, URL, load_module

settings = load_module('actions.braze_settings')
UNSET = "is not set in the environment's PARAMS block (a '{ ... }' placeholder is unset): "
LOOK_LIKE = 'braze_url must look like https://rest.iad-01.braze.com'
NOT_BRAZE = 'braze_url host is not a Braze REST host (*.braze.com, *.braze.eu); set braze_allowed_host to use a proxy'
CHARACTERS = 'braze_url must not hold a backslash, %, @, ?, #, spaces or control characters'
MAP = ' must map names to ids, e.g. {"welcome_back": "<id>"}'


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(settings, '_CHECKED', {})


def load(block=None, env='sandbox', params=None, context=None):
    app = types.SimpleNamespace()
    if params is not None or block is not None:
        app.PARAMS = params if params is not None else {
            'sandbox': dict({'braze_url': URL, 'braze_api_key': API_KEY}, **block)}
    return settings.load(app, context if context is not None else {'env': env})


MESSAGES = [
    (dict(block={}, context={}), "context['env'] is missing: expected 'sandbox' or 'live'"),
    (dict(block={}, env='  '), "context['env'] is missing: expected 'sandbox' or 'live'"),
    (dict(), 'app.PARAMS is missing or is not a dict'),
    (dict(params=['sandbox']), 'app.PARAMS is missing or is not a dict'),
    (dict(params={'sandbox': {}, 'live': {}}, env='staging'),
     "app.PARAMS has no block for environment 'staging' (known: live, sandbox)"),
    (dict(params={}), "app.PARAMS has no block for environment 'sandbox' (known: none)"),
    (dict(params={'k' * 50: {}}, env='e' * 50),
     "app.PARAMS has no block for environment '{}' (known: {})".format('e' * 40, 'k' * 40)),
    (dict(block={'braze_api_key': None}), 'braze_api_key ' + UNSET + 'write your REST API key there'),
    (dict(block={'braze_api_key': '{ BRAZE API KEY }'}), 'braze_api_key ' + UNSET + 'write your REST API key there'),
    (dict(block={'braze_api_key': API_KEY + '\x7f'}),
     'braze_api_key holds spaces or non-ASCII characters: copy the key again'),
    (dict(block={'braze_api_key': 'k' * 201}),
     'braze_api_key is far longer than a Braze REST key: copy the key again'),
    (dict(block={'braze_url': ''}), 'braze_url ' + UNSET + 'write your REST endpoint there, e.g. '
                                                           'https://rest.iad-01.braze.com'),
    (dict(block={'braze_url': '{ BRAZE ENDPOINT URL }'}), 'braze_url ' + UNSET + 'write your REST endpoint there, '
                                                                                 'e.g. https://rest.iad-01.braze.com'),
    (dict(block={'braze_url': 123}), 'braze_url must be text'),
    (dict(block={'braze_url': URL + '\x7f'}), CHARACTERS),
    (dict(block={'braze_url': URL + '/\x80'}), LOOK_LIKE),
    (dict(block={'braze_url': URL + '/!'}), LOOK_LIKE),
    (dict(block={'braze_url': 'https://user@rest.iad-01.braze.com'}), CHARACTERS),
    (dict(block={'braze_url': 'http://rest.iad-01.braze.com'}),
     'braze_url must start with https:// (http:// only for a loopback stand-in)'),
    (dict(block={'braze_url': 'ftp://rest.iad-01.braze.com'}), LOOK_LIKE),
    (dict(block={'braze_url': 'https://rest.iad-01.braze.com/x://y'}), LOOK_LIKE),
    (dict(block={'braze_url': 'https://evil.example.com'}), NOT_BRAZE),
    (dict(block={'braze_url': 'https://evilproxy.corp', 'braze_allowed_host': 'proxy.corp'}), NOT_BRAZE),
    (dict(block={'braze_url': 'https://' + '\u00e9' * 70 + '.braze.com'}),
     'braze_url has a host name that is not a valid international name'),
    (dict(block={'braze_url': 'https://' + 'a' * 70 + '.braze.com'}), 'braze_url has a malformed host name'),
    (dict(block={'braze_url': 'https://rest..braze.com'}), 'braze_url has a malformed host name'),
    (dict(block={'braze_url': 'https://rest.iad-01.braze.com:0'}), 'braze_url has a port outside 1-65535'),
    (dict(block={'braze_url': 'https://rest.iad-01.braze.com:65536'}), 'braze_url has a port outside 1-65535'),
    (dict(block={'braze_url': 'https://proxy.corp/a/./b', 'braze_allowed_host': 'proxy.corp'}),
     'braze_url path must not hold . or .. segments'),
    (dict(block={'braze_url': 'https://proxy.corp/a/../b', 'braze_allowed_host': 'proxy.corp'}),
     'braze_url path must not hold . or .. segments'),
    (dict(block={'braze_url': 'http://[::1]x:8080'}), LOOK_LIKE),
    (dict(block={'braze_url': 'https://proxy.corp/braze//', 'braze_allowed_host': 'proxy.corp'}), LOOK_LIKE),
    (dict(block={'braze_user_track': 'users/export/ids'}),
     "braze_user_track must be 'users/track' (the endpoint this setting names)"),
    (dict(block={'braze_deadline': 'soon'}), 'braze_deadline must be a number between 0.1 and 120.0'),
    (dict(block={'braze_deadline': '600'}), 'braze_deadline must be a number between 0.1 and 120.0'),
    (dict(block={'braze_max_attempts': '0'}), 'braze_max_attempts must be a number between 1 and 10'),
    (dict(block={'braze_contract': 'gold'}),
     'braze_contract must be mau or standard (75 objects combined) or legacy (75 per array)'),
    (dict(block={'braze_max_objects': '76'}), 'braze_max_objects is above what braze_contract allows (75)'),
    (dict(block={'braze_contract': 'standard', 'braze_max_objects': '76'}),
     'braze_max_objects is above what braze_contract allows (75)'),
    (dict(block={'braze_retry_non_idempotent': 'maybe'}), 'braze_retry_non_idempotent: expected true or false'),
    (dict(block={'braze_ca_bundle': '/nonexistent/ca.pem'}), 'braze_ca_bundle is not a readable file'),
    (dict(block={'braze_canvases': '[1]'}), 'braze_canvases' + MAP),
    (dict(block={'braze_campaigns': {'a': 1}}), 'braze_campaigns' + MAP),
]


@pytest.mark.parametrize('case, message', MESSAGES, ids=[m[:40] + str(i) for i, (_, m) in enumerate(MESSAGES)])
def test_each_unusable_setting_has_its_exact_line(case, message):
    with pytest.raises(settings.SettingsError) as refused:
        load(**case)
    assert str(refused.value) == message


@pytest.mark.parametrize('block, url', [
    ({'braze_api_key': '!' + API_KEY}, URL + '/users/track'),     # '!' and '~' are the ends of printable ASCII
    ({'braze_api_key': '~' + API_KEY}, URL + '/users/track'),
    ({'braze_api_key': 'k' * 200}, URL + '/users/track'),
    ({'braze_url': 'https://r\u00e9st.braze.com'}, 'https://xn--rst-bma.braze.com/users/track'),
    ({'braze_url': 'https://REST.iad-01.Braze.com'}, 'https://rest.iad-01.braze.com/users/track'),
    ({'braze_url': 'https://rest.iad-01.braze.com:65535'}, 'https://rest.iad-01.braze.com:65535/users/track'),
    ({'braze_url': 'https://rest.iad-01.braze.com:1'}, 'https://rest.iad-01.braze.com:1/users/track'),
    ({'braze_url': URL + '/'}, URL + '/users/track'),
    ({'braze_url': 'https://proxy.corp/braze/', 'braze_allowed_host': 'proxy.corp'},
     'https://proxy.corp/braze/users/track'),
    ({'braze_url': 'https://proxy.corp', 'braze_allowed_host': 'proxy.corp'}, 'https://proxy.corp/users/track'),
    ({'braze_url': 'http://[::1]:8080'}, 'http://[::1]:8080/users/track'),
    ({'braze_url': 'http://[::1]:8080/x'}, 'http://[::1]:8080/x/users/track'),
    ({'braze_url': 'http://127.0.0.1:8080'}, 'http://127.0.0.1:8080/users/track'),
    ({'braze_url': 'http://localhost:9'}, 'http://localhost:9/users/track'),
    ({'braze_user_track': '/users/track/'}, URL + '/users/track'),
    ({'braze_max_objects': '50'}, URL + '/users/track'),
])
def test_each_usable_edge_gives_its_exact_url(block, url):
    assert load(block).url('users/track') == url


def test_an_endpoint_path_that_is_not_plain_is_a_settings_error():
    checked = load({})
    with pytest.raises(settings.SettingsError) as refused:
        checked.url('../users/track')
    assert str(refused.value) == 'an endpoint path must be a plain path such as users/track'
    assert checked.url('users/export/ids') == URL + '/users/export/ids'
    assert checked.url('users/export/ids') is checked.url('users/export/ids')


# --- checked once per distinct block ------------------------------------------------------------------

def test_a_block_is_checked_once_and_again_only_when_it_changed():
    first = load({'braze_canvases': {'welcome': 'c-1'}})
    assert load({'braze_canvases': {'welcome': 'c-1'}}) is first        # nested dicts are part of the key
    changed = load({'braze_canvases': {'welcome': 'c-2'}})
    assert changed is not first and changed.canvases == {'welcome': 'c-2'}


def test_blocks_that_differ_only_in_which_setting_holds_a_value_are_not_confused():
    deadline = load({'braze_deadline': '5'})
    attempts = load({'braze_max_attempts': '5'})
    assert (deadline.deadline, deadline.max_attempts) == (5.0, 3)
    assert (attempts.deadline, attempts.max_attempts) == (6.0, 5)


def test_a_block_with_a_value_that_cannot_be_a_key_is_checked_every_time():
    block = {'braze_url': URL, 'braze_api_key': API_KEY, 'braze_deadline': '5', 'extra': ['not', 'hashable']}
    app = types.SimpleNamespace(PARAMS={'sandbox': block})
    one, two = settings.load(app, {'env': 'sandbox'}), settings.load(app, {'env': 'sandbox'})
    assert one is not two and one.deadline == two.deadline == 5.0
    assert settings._CHECKED == {}


def test_the_cache_is_bounded():
    for number in range(settings._CHECKED_MAX):
        load({'braze_deadline': str(1 + number)})
    assert len(settings._CHECKED) == settings._CHECKED_MAX
    load({'braze_deadline': '100'})
    assert len(settings._CHECKED) == 1
