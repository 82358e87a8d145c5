# -*- coding: utf-8 -*-
"""Test helpers shared by the test modules: the solution package, fake clock, log capture."""
import json
import os
import socket

from local_pypestream.solution import load_module, load_node, load_solution  # noqa: F401

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'braze')
# A made-up key for tests, shaped like a Braze REST key (36 characters).
API_KEY = '7c1e9a52-4b3d-4f6e-9a8b-2d5c0e1f3a47'
URL = 'https://rest.iad-01.braze.com'
TRACK_URL = URL + '/users/track'
EXPORT_URL = URL + '/users/export/ids'

# BRAZE_NODE_LAYOUT=single-file: the node classes (and the app they read) come from a solution that
# install-into filled with its single-file layout, so the black-box node tests (test_nodes.py,
# test_end_to_end.py, test_identifiers.py, test_fault_matrix.py, test_hostile_input.py) hold for both.
LAYOUT = os.environ.get('BRAZE_NODE_LAYOUT', 'modules')


def _node_root():
    if LAYOUT == 'modules':
        return None
    import atexit
    import shutil
    import tempfile
    from local_pypestream import install
    root = tempfile.mkdtemp(prefix='braze-{}-'.format(LAYOUT))
    atexit.register(shutil.rmtree, root, True)
    for name in ('app.py', '__init__.py'):
        shutil.copy(os.path.join(load_solution().__path__[0], name), root)
    os.mkdir(os.path.join(root, 'actions'))
    if install.install(root, layout=LAYOUT, out=lambda line: None) != 0:
        raise RuntimeError('install-into --layout {} failed'.format(LAYOUT))
    return root


NODE_ROOT = _node_root()
solution = load_solution(NODE_ROOT)
app = solution.app
BrazeUserTrack = load_node('BrazeUserTrack', NODE_ROOT)
BrazeUserLookup = load_node('BrazeUserLookup', NODE_ROOT)
BrazeUserIdentify = load_node('BrazeUserIdentify', NODE_ROOT)
BrazeCanvasTrigger = load_node('BrazeCanvasTrigger', NODE_ROOT)
BrazeCampaignTrigger = load_node('BrazeCampaignTrigger', NODE_ROOT)
BrazeVerifyLink = load_node('BrazeVerifyLink', NODE_ROOT)
BrazeSubscriptionSet = load_node('BrazeSubscriptionSet', NODE_ROOT)
NODES = (BrazeUserTrack, BrazeUserLookup, BrazeUserIdentify, BrazeCanvasTrigger, BrazeCampaignTrigger, BrazeVerifyLink,
         BrazeSubscriptionSet)
# Made-up link secrets for tests (BrazeVerifyLink), 32 characters and more.
LINK_SECRETS = {'2026-11': 'test-link-secret-0123456789abcdef', 'old': 'older-test-link-secret-fedcba987654'}
REASONS = load_module('actions.braze_answers').REASONS


def braze_body(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read().replace('{API_KEY}', API_KEY)


class FakeClock(object):
    """Monotonic clock whose sleep only moves time forward, and records each wait."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Logs(list):
    def __call__(self, line):
        self.append(line)

    def text(self):
        return '\n'.join(self)


def assert_no_key(lines, key=API_KEY):
    """No line holds the key, nor any 6-character piece of it, in any case."""
    pieces = {key[i:i + 6].lower() for i in range(len(key) - 5)}
    for line in lines:
        lowered = line.lower()
        leaked = [piece for piece in pieces if piece in lowered]
        assert not leaked, 'API key piece {!r} in {!r}'.format(leaked, line)


SANDBOX = {'env': 'sandbox', 'chat_id': 'chat-1', 'user_data': {}}

SEED_PAYLOAD = {
    'USER_ID': 'user-42',
    'FIRST_NAME': 'Ada',
    'LAST_NAME': 'Lovelace',
    'EMAIL_ADDRESS': ' Ada.Lovelace@Example.com ',
    'DATE_OF_BIRTH': '12/10/1985',
    'CITY_OF_RESIDENCE': 'London',
    'OPERATING_SYSTEM': 'iOS',
    'NAME_OF_EVENT': 'chat_completed',
    'EVENT_TIME': '2024-03-01T10:15:00Z',
}


def request_json(call):
    return json.loads(call.request.body)


def free_port():
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def export(braze, **query):
    """Read profiles back from the emulator over HTTP, as a test of what Braze would hold."""
    import requests
    query.setdefault('fields_to_export', None)
    if query['fields_to_export'] is None:
        del query['fields_to_export']
    answer = requests.post(braze.url + '/users/export/ids', json=query,
                           headers={'Authorization': 'Bearer ' + braze.api_key}, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()['users']


class Shown(dict):
    """A node's result, compared without the globals it set to "": every result holds every global
    the node declares ("" where it has no value; tests/test_declarations.py holds that), and a test
    that asserts one outcome names only the values that outcome gives."""

    def __eq__(self, other):
        return _given(self) == _given(other) if isinstance(other, dict) else NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None


def _given(result):
    return {key: value for key, value in result.items() if value != '' or key == 'success'}


def shown(result):
    return Shown(result)
