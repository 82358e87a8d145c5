# -*- coding: utf-8 -*-
"""doctor against the emulator, as Braze answers (key, then permission, then body): every permission the
installed nodes need, a missing one named with the node that needs it, a dashboard URL named with its
REST endpoint, placeholders told from real values, exit 0 only when all is well, the emulator's store
unchanged; --send-probes finds a paused Canvas; a host that does not answer is one line, not a hang."""
import json
import os
import subprocess
import sys

import pytest
import requests

import local_braze
from local_pypestream import install
from support import LINK_SECRETS, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL = ['users.track', 'users.export.ids', 'users.identify', 'users.merge', 'users.alias.new', 'canvas.trigger.send',
       'campaigns.trigger.send']


def solution(tmp_path, url, key, nodes=None, **extra):
    root = tmp_path / 'sol'
    (root / 'actions').mkdir(parents=True)
    block = dict({'braze_url': url, 'braze_api_key': key, 'braze_link_secrets': dict(LINK_SECRETS),
                  'braze_canvases': {'welcome_back': 'c-1'}, 'braze_campaigns': {'follow_up': 'k-1'},
                  'braze_subscription_groups': {'sms_offers': '0f9e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4'}}, **extra)
    (root / 'app.py').write_text('PARAMS = {\n    "sandbox": %s,\n}\n' % json.dumps(block))
    assert install.install(str(root), nodes=nodes, out=lambda line: None) == 0
    return str(root)


def doctor(root, *options):
    done = subprocess.run([sys.executable, '-m', 'local_pypestream', 'doctor', '--solution', root] + list(options),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def checks(root, *options):
    status, out, err = doctor(root, '--json', *options)
    assert not err, err
    return status, {(c['env'], c['check']): c for c in json.loads(out)}


def test_a_ready_workspace_passes_every_check_and_nothing_changes_in_it(tmp_path):
    with local_braze.running() as braze:
        root = solution(tmp_path, braze.url, braze.api_key)
        status, found = checks(root)
        assert status == 0, found
        assert {check for _, check in found if check.startswith('permission:')} == {'permission:' + p for p in ALL}
        assert all(c['status'] == 'ok' for c in found.values())
        assert braze.profiles() == [] and braze.sends.list() == []  # no profile, alias, event or dispatch
        assert 'users/track 3000' in found[('sandbox', 'rate_limit')]['detail']
        assert braze.api_key not in json.dumps(list(found.values()))


def test_a_missing_permission_is_named_with_the_node_that_needs_it_and_the_fix(tmp_path):
    with local_braze.running(permissions=[p for p in ALL if p != 'users.export.ids']) as braze:
        root = solution(tmp_path, braze.url, braze.api_key)
        status, out, _ = doctor(root)
    assert status == 1
    line = [l for l in out.splitlines() if 'permission:users.export.ids' in l][0]
    assert line.startswith('FAIL sandbox permission:users.export.ids: the key lacks users.export.ids (Braze answered '
                           '403), which BrazeUserIdentify, BrazeUserLookup need -- fix: create a REST API key')


def test_a_401_where_other_probes_passed_is_a_missing_permission_not_a_wrong_key(tmp_path, monkeypatch):
    with local_braze.running() as braze:
        root = solution(tmp_path, braze.url, braze.api_key, nodes=['BrazeUserTrack', 'BrazeUserLookup'])
        original = braze.answer

        def insufficient(path, key, content_type, raw):  # Braze's errors page: 401 for insufficient permissions
            if path == '/users/export/ids':
                return 401, {'message': 'Invalid API key'}, {}, None
            return original(path, key, content_type, raw)
        monkeypatch.setattr(braze, 'answer', insufficient)
        status, found = checks(root)
    assert status == 1 and found[('sandbox', 'permission:users.track')]['status'] == 'ok'
    assert found[('sandbox', 'permission:users.export.ids')]['detail'].startswith(
        'the key lacks users.export.ids (Braze answered 401)')


def test_a_wrong_key_is_said_once_as_the_key_or_the_instance(tmp_path):
    with local_braze.running() as braze:
        root = solution(tmp_path, braze.url, 'another-workspaces-key-000000000000000', nodes=['BrazeUserTrack'])
        status, found = checks(root)
    assert status == 1
    assert found[('sandbox', 'permission:users.track')]['detail'].startswith(
        "Braze refused the key (401): a key of another workspace, or braze_url is not the REST endpoint")


@pytest.mark.parametrize('url, key, check, words', [
    ('https://dashboard-01.braze.com', 'k' * 36, 'braze_url',
     'braze_url is the dashboard of instance US-01, not its REST endpoint: write https://rest.iad-01.braze.com '
     '(Braze\'s "API and SDK endpoints" page)'),
    ('{ BRAZE ENDPOINT URL }', 'k' * 36, 'braze_url', 'braze_url is still the placeholder { BRAZE ENDPOINT URL }'),
    ('https://rest.iad-01.braze.com', '{ BRAZE API KEY }', 'braze_api_key',
     'braze_api_key is still the placeholder { BRAZE API KEY }'),
    ('https://rest.iad-01.braze.com', '"' + 'k' * 36 + '"', 'braze_api_key', 'braze_api_key holds a quote character'),
])
def test_offline_checks_name_the_setting_and_ask_braze_nothing(tmp_path, url, key, check, words):
    root = solution(tmp_path, url, key, nodes=['BrazeUserTrack'])
    status, found = checks(root)
    assert status == 1 and found[('sandbox', check)]['status'] == 'FAIL'
    assert found[('sandbox', check)]['detail'] == words
    assert found[('sandbox', 'online')]['status'] == 'skip'


def test_each_nodes_own_settings_and_every_name_a_flow_uses_are_checked(tmp_path):
    with local_braze.running() as braze:
        root = solution(tmp_path, braze.url, braze.api_key, braze_link_secrets={'k': 'short'})
        with open(os.path.join(root, 'flow.csv'), 'w') as handle:
            handle.write('Node Number,Node Type,Command,Parameter Input,Output,Decision Variable,What Next?\n'
                         '1,A,BrazeCanvasTrigger,"{""canvas"": ""welcome_back""}",success,success,true~2|error~2\n'
                         '2,A,BrazeCanvasTrigger,"{""canvas"": ""winback""}",success,success,true~3|error~3\n')
        status, found = checks(root)
    assert status == 1
    assert found[('sandbox', 'settings:BrazeVerifyLink')]['detail'] == \
        'braze_link_secrets: every secret must be at least 32 characters'
    assert found[('sandbox', 'canvas:welcome_back')]['status'] == 'ok'
    assert found[('sandbox', 'canvas:winback')]['detail'].startswith(
        'a flow uses canvas "winback", which braze_canvases of sandbox does not name (known: welcome_back)')


def test_send_probes_find_a_paused_canvas_and_say_a_dispatch_stays(tmp_path):
    with local_braze.running() as braze:
        root = solution(tmp_path, braze.url, braze.api_key, nodes=['BrazeCanvasTrigger', 'BrazeCampaignTrigger'])
        requests.post(braze.url + '/_local/states', json={'id': 'c-1', 'state': 'paused'}, timeout=5)
        status, found = checks(root, '--send-probes')
        assert braze.profiles() == []
    assert status == 1
    assert found[('sandbox', 'canvas:welcome_back')]['detail'] == (
        'Braze took the send but says: The Canvas is paused. Resume the Canvas to ensure trigger requests will take '
        'effect.')
    assert found[('sandbox', 'campaign:follow_up')]['status'] == 'ok'
    assert "leaves a dispatch in Braze's analytics" in found[('sandbox', 'campaign:follow_up')]['detail']


def test_a_host_that_does_not_answer_is_one_line_and_no_hang(tmp_path):
    root = solution(tmp_path, 'http://127.0.0.1:{}'.format(free_port()), 'k' * 36, braze_deadline='1')
    status, out, _ = doctor(root)
    assert status == 1
    assert [line for line in out.splitlines() if ' online:' in line] == [
        line for line in out.splitlines() if line.startswith('FAIL sandbox online: Braze did not answer at 127.0.0.1')]
    assert 'permission:' not in out


def test_the_text_lines_say_ok_fail_or_skip_and_the_fix(tmp_path):
    with local_braze.running() as braze:
        root = solution(tmp_path, braze.url, braze.api_key, nodes=['BrazeUserTrack'])
        status, out, _ = doctor(root)
    assert status == 0
    assert out.splitlines()[0] == 'ok   sandbox braze_url: {}'.format(braze.url)
    assert 'ok   sandbox permission:users.track: Braze refused the probe\'s body: key and permission passed (by our ' \
           'inference of the order of Braze\'s checks) (400, needed by BrazeUserTrack)' in out.splitlines()


def test_usage_mistakes_exit_2(tmp_path):
    done = subprocess.run([sys.executable, '-m', 'local_pypestream', 'doctor', '--solution', str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'is not a solution folder' in done.stderr
