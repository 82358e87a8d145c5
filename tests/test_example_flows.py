# -*- coding: utf-8 -*-
"""The use-case flows of examples/flows with their turns: a Braze link that a Canvas signed opens a chat
that knows the customer (dynamic targeting, contextual insight); every tampered or expired link takes
the anonymous path, with no profile data shown and no profile read."""
import json
import os
import time
from urllib.parse import quote_plus

import pytest

import local_services
from local_pypestream import flowfile
from support import app, load_module
from test_flow import FLOWS, run_cli, walk

links = load_module('actions.braze_links')
DYNAMIC = os.path.join(FLOWS, 'dynamic_targeting.csv')
CONTEXTUAL = os.path.join(FLOWS, 'contextual_insight.csv')
SEED = os.path.join(FLOWS, 'demo_profiles.json')
KID, SECRET = next(iter(local_services.DEV_LINK_SECRETS.items()))
PROFILE_DATA = ('Ada', '1200', 'Pro')
PAGE = {'page_topic': 'priority support', 'page_path': '/support'}


def signed(uid='C-1001', cohort='gold', ttl=3600, **change):
    exp = int(time.time()) + ttl
    fields = {'bz_uid': uid, 'bz_exp': str(exp), 'bz_kid': KID, 'bz_cohort': cohort,
              'bz_sig': links.sign(uid, exp, SECRET, cohort)}
    fields.update(change)
    return local_services.with_query('https://www.example.com/chat', list(fields.items()))


TAMPERED = {
    'another customer': lambda: signed().replace('bz_uid=C-1001', 'bz_uid=C-1002'),
    'a better cohort': lambda: signed(cohort='silver').replace('bz_cohort=silver', 'bz_cohort=gold'),
    'a later expiry': lambda: signed(ttl=60).replace('bz_exp=', 'bz_exp=9'),
    'a truncated signature': lambda: signed()[:-1],
    'an unknown key id': lambda: signed(bz_kid='attacker'),
    'expired': lambda: signed(ttl=-3600),
    'no link at all': lambda: 'https://www.example.com/chat?customer=C-1001',
}


@pytest.fixture
def demo(monkeypatch):
    """The embedded emulator with the demo profiles, as LOCAL_BRAZE_SEED gives it."""
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {}})
    monkeypatch.setenv('LOCAL_BRAZE_SEED', SEED)
    with local_services.start(app, 'sandbox') as services:
        del services.braze.requests[:]  # the seed's own request
        yield services.braze


def said(run, who='bot'):
    return ' '.join(t['text'] for t in run.transcript if t['who'] == who)


def test_the_link_command_makes_a_link_the_node_verifies():
    made = run_cli('link', '--uid', 'C-1001 Ada+Lovelace', '--cohort', 'gold', '--ttl', '600')
    assert made.returncode == 0 and made.stdout.startswith('https://www.example.com/chat?bz_uid=C-1001+Ada%2BLovelace&')
    done = run_cli('flow', DYNAMIC, '--url', made.stdout.strip(), '--turns', os.path.join(FLOWS, 'dynamic_targeting.turns.json'),
                   '--json', env={'LOCAL_BRAZE_SEED': SEED})
    report = json.loads(done.stdout)
    assert report['routes'][0] == {'node': 5, 'taken': 'BRAZE_LINK_ROUTE=gold', 'to': 20}
    assert report['globals']['BRAZE_LINK_EXTERNAL_ID'] == '<personal>'  # masked like any personal value
    assert 'C-1001' not in done.stdout


@pytest.mark.parametrize('args, words', [(['--uid', 'a|b'], 'must not hold |'), (['--uid', 'x', '--ttl', '0'], '--ttl'),
                                         (['--uid', 'x', '--kid', 'nope'], '--kid')])
def test_the_link_command_refuses_what_no_node_would_verify(args, words):
    done = run_cli('link', *args)
    assert done.returncode == 2 and words in done.stderr and 'Traceback' not in done.stderr


def test_dynamic_targeting_a_gold_link_gets_the_gold_offer_and_the_canvas(demo):
    run = walk(flowfile.read(DYNAMIC), ['Yes please'], user_data={'last_viewed_url': signed()})
    assert run.path == [1, 5, 20, 30, 70, 80, 666]
    assert 'Welcome back Ada! As a gold member with 1200 points' in said(run)
    [send] = demo.sends.list()
    assert send['recipient'] == {'external_user_id': 'C-1001'} and send['properties'] == {'offer': 'gold'}


def test_dynamic_targeting_a_link_without_cohort_gets_the_member_offer(demo):
    run = walk(flowfile.read(DYNAMIC), ['No thanks'], user_data={'last_viewed_url': signed(cohort='')})
    assert run.path == [1, 5, 21, 31, 666] and 'Welcome back Ada! Your upgrade is 10% off' in said(run)


@pytest.mark.parametrize('case', sorted(TAMPERED))
def test_dynamic_targeting_any_other_link_shows_no_profile_data(demo, case):
    run = walk(flowfile.read(DYNAMIC), ['End chat'], user_data={'last_viewed_url': TAMPERED[case]()})
    assert run.path[:2] == [1, 5] and run.path[2] in (40, 42) and run.ended == 'end'
    assert not any(value in said(run) for value in PROFILE_DATA)
    assert '/users/export/ids' not in [path for path, _ in demo.requests]  # no profile was even read
    assert run.globals['BRAZE_LINK_EXTERNAL_ID'] == '' and demo.sends.list() == []


def test_contextual_insight_combines_the_page_with_the_verified_profile_and_records_the_page(demo):
    run = walk(flowfile.read(CONTEXTUAL), ['No, thanks'],
               user_data={'last_viewed_url': signed(), 'passthrough': json.dumps(PAGE)})
    assert run.path == [1, 5, 20, 30, 35, 40, 666]
    assert "Hi Ada! You're reading about priority support. On your Pro plan" in said(run)
    [profile] = [p for p in demo.profiles() if p['external_id'] == 'C-1001']
    [event] = [e for e in profile['custom_events'] if e['name'] == 'chat_page_question']
    recorded = [body for path, body in demo.requests if path == '/users/track'][-1]
    assert recorded['events'][0]['properties'] == {'page_topic': 'priority support', 'page_path': '/support'}


@pytest.mark.parametrize('case', sorted(TAMPERED))
def test_contextual_insight_any_other_link_gets_the_general_answer(demo, case):
    run = walk(flowfile.read(CONTEXTUAL), ['No, thanks'],
               user_data={'last_viewed_url': TAMPERED[case](), 'passthrough': json.dumps(PAGE)})
    assert run.path == [1, 5, 50, 666]
    assert "You're reading about priority support. It is included in the Pro and Team plans" in said(run)
    assert not any(value in said(run) for value in ('Ada', '1200', 'On your Pro plan'))
    assert [path for path, _ in demo.requests] == []  # nothing read, nothing recorded


def test_the_signed_fields_may_come_in_the_passthrough_instead(demo):
    fields = dict(PAGE)
    exp = int(time.time()) + 600
    fields.update(bz_uid='C-1001', bz_exp=str(exp), bz_kid=KID, bz_sig=links.sign('C-1001', exp, SECRET))
    run = walk(flowfile.read(CONTEXTUAL), ['No, thanks'],
               user_data={'last_viewed_url': 'https://www.example.com/support', 'passthrough': json.dumps(fields)})
    assert run.path == [1, 5, 20, 30, 35, 40, 666]


def test_the_readme_commands_for_the_use_case_flows_run():
    link = run_cli('link', '--uid', 'C-1001', '--cohort', 'gold').stdout.strip()
    for csv_path, extra in ((DYNAMIC, []), (CONTEXTUAL, ['--passthrough', json.dumps(PAGE)])):
        turns = csv_path.replace('.csv', '.turns.json')
        done = run_cli('flow', csv_path, '--url', link, '--turns', turns, *extra, env={'LOCAL_BRAZE_SEED': SEED})
        assert done.returncode == 0 and 'ended: end' in done.stdout and 'Ada' in done.stdout, done.stdout
        assert quote_plus(link) not in done.stdout and 'bz_sig' not in done.stdout


# --- consent in the chat, and the End-Chat Handler that records the chat once --------------------

CONSENT = os.path.join(FLOWS, 'consent_and_end_of_chat.csv')
SMS_GROUP = local_services.DEMO_NAMES['braze_subscription_groups']['sms_offers']


def chat_ended(demo, user):
    [profile] = [p for p in demo.profiles() if p['external_id'] == user]
    events = {e['name']: e['count'] for e in profile.get('custom_events', [])}
    sent = [e for path, body in demo.requests if path == '/users/track' for e in body.get('events', [])
            if e['name'] == 'chat_ended']
    return profile, events, sent


def test_consent_yes_subscribes_with_double_opt_in_and_the_handler_records_the_chat_once(demo):
    run = walk(flowfile.read(CONSENT), ['C-2001', 'Sí', 'Terminar']).finish().finish()  # a second finish: no-op
    assert run.path == [1, 2, 10, 30, 40, 41, 666, -585, -584] and run.ended == 'end'
    assert run.handler == {'path': [-585, -584], 'ended': 'end', 'error': None}
    profile, events, sent = chat_ended(demo, 'C-2001')
    assert events == {'consent_changed': 1, 'chat_ended': 1}
    assert profile['subscription_groups'] == [{'subscription_group_id': SMS_GROUP, 'subscription_state': 'subscribed',
                                               'use_double_opt_in_logic': True}]
    [proof] = [e for path, body in demo.requests if path == '/users/track' for e in body.get('events', [])
               if e['name'] == 'consent_changed']
    assert proof['properties'] == {'subscription_group': 'sms_offers', 'subscription_state': 'subscribed',
                                   'double_opt_in': True, 'consent_wording': 'sms-offers-v3',
                                   'consent_language': 'es', 'channel': 'pypestream_chat',
                                   'chat_id': run.context['chat_id']}
    assert [e['properties'] for e in sent] == [{'outcome': 'sms_opt_in', 'sms_answer': 'Sí'}]


def test_consent_no_records_only_the_answer_when_the_user_closes_the_chat(demo):
    run = walk(flowfile.read(CONSENT), ['C-2002', 'No', {'end_chat': True}])
    assert run.ended == 'closed' and run.closed and run.handler is None
    run.finish()
    assert run.path == [1, 2, 10, 20, 21, -585, -584]
    profile, events, sent = chat_ended(demo, 'C-2002')
    assert events == {'chat_ended': 1} and 'subscription_groups' not in profile
    assert [e['properties'] for e in sent] == [{'outcome': 'sms_declined', 'sms_answer': 'No'}]


def test_a_chat_from_a_signed_link_records_its_cohort_at_the_end(demo):
    run = walk(flowfile.read(CONSENT), ['No', 'Terminar'], user_data={'last_viewed_url': signed(cohort='gold')})
    run.finish()
    assert run.path[:3] == [1, 3, 10] and run.path[-2:] == [-585, -584]
    _, events, sent = chat_ended(demo, 'C-1001')
    assert events['chat_ended'] == 1
    assert [e['properties'] for e in sent] == [{'outcome': 'sms_declined', 'sms_answer': 'No', 'cohort': 'gold'}]


@pytest.mark.parametrize('turns, flag', [('consent_yes.turns.json', ['--end-chat']), ('consent_no.turns.json', [])])
def test_the_readme_commands_for_the_consent_flow_run(turns, flag):
    done = run_cli('flow', CONSENT, '--json', '--turns', os.path.join(FLOWS, turns), *flag)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report['end_chat'] == {'path': [-585, -584], 'ended': 'end', 'error': None}
    assert sum(1 for n in report['path'] if n == -585) == 1


def test_without_the_end_of_chat_the_handler_does_not_run():
    done = run_cli('flow', CONSENT, '--json', '--turns', os.path.join(FLOWS, 'consent_yes.turns.json'))
    assert done.returncode == 0 and json.loads(done.stdout)['end_chat'] is None
