# -*- coding: utf-8 -*-
"""Each node's declaration (actions/braze_declarations.py) is what the node does and what the README
says: the globals in every result, the settings it checks, the permission it names, the tables of
its README section; and it can be read without requests or urllib3."""
import ast
import os
import re
import subprocess
import sys

import pytest
import responses

from support import (API_KEY, LINK_SECRETS, NODES, SANDBOX, URL, Logs, app, load_module)

declarations = load_module('actions.braze_declarations')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, 'README.md')
BY_NAME = {node.__name__: node for node in NODES}


def render(node):
    """The README's table of one node, from its declaration."""
    def words(items):
        return ', '.join('`{}`'.format(item) for item in items) or 'none'
    sets = words(node.sets)
    if node.mapped:
        sets = 'each global of `{}`, '.format(node.mapped) + sets
    routes = '; '.join('`{}`: {}'.format(name, ', '.join('a cohort' if value == declarations.ANY_WORD
                                                          else '`{}`'.format(value) for value in values))
                       for name, values in node.routes.items())
    rows = [('Parameter Input', words(node.inputs))]
    if node.refused:
        rows.append(('refused', words(node.refused)))
    rows += [('globals read by default', words(node.reads)), ('globals set', sets), ('routing values', routes),
             ('permissions', words(declarations.permissions_of(node))),
             ('settings', ('the common ones, ' if node.endpoints else '') + words(node.settings))]
    return '\n'.join(['| `{}` | declared |'.format(node.name), '| --- | --- |'] +
                     ['| {} | {} |'.format(name, value) for name, value in rows])


def readme_table(name):
    text = open(README, encoding='utf-8').read()
    start = text.find('| `{}` | declared |'.format(name))
    assert start >= 0, 'README has no declaration table for ' + name
    end = text.find('\n\n', start)
    return text[start:end if end >= 0 else len(text)]


@pytest.mark.parametrize('name', list(declarations.NODES))
def test_the_readme_table_of_each_node_says_what_its_declaration_says(name):
    assert readme_table(name) == render(declarations.NODES[name])


def test_every_node_of_the_package_is_declared_and_every_declaration_is_a_node():
    assert sorted(declarations.NODES) == sorted(BY_NAME)
    for name, node in declarations.NODES.items():
        assert list(node.routes)[0] == 'success' and node.sets[-1] == 'BRAZE_ERROR'
        assert 'error' in node.routes['success']
        for route in node.routes:
            assert route == 'success' or route in node.sets


def section(name):
    """The README section that documents ``name`` (the two triggers share one)."""
    text = open(README, encoding='utf-8').read()
    heads = [m for m in re.finditer(r'^## (.+)$', text, re.M)]
    for here, after in zip(heads, heads[1:] + [None]):
        if re.search(r'\b{}\b'.format(name), here.group(1)):
            return text[here.end():after.start() if after else len(text)]
    raise AssertionError('no README section for ' + name)


@pytest.mark.parametrize('name', list(declarations.NODES))
def test_the_returns_table_names_every_global_the_node_sets_and_no_other(name):
    node = declarations.NODES[name]
    text = section(name)
    table = text[text.index('| returns |'):]
    table = table[:table.find('\n\n')]
    named = set()
    for row in table.splitlines()[2:]:
        named.update(re.findall(r'`([A-Z][A-Z0-9_]+)`', row.split('|')[1]))
    assert named == set(node.sets)


@pytest.mark.parametrize('name', list(declarations.NODES))
def test_the_routing_values_line_names_what_the_node_can_return(name):
    node = declarations.NODES[name]
    [line] = [line for line in section(name).splitlines() if line.startswith('Routing values:')]
    for value in node.routes['success']:
        assert '`{}`'.format(value) in line


# --- what every result holds ----------------------------------------------------------------------

OUTCOMES = {
    'not JSON': ('{"external_id": ', SANDBOX),
    'no env': ({}, {}),
    'no identifier': ({'external_id': None, 'canvas_id': 'c', 'campaign_id': 'c'}, SANDBOX),
}


@pytest.mark.parametrize('outcome', sorted(OUTCOMES))
@pytest.mark.parametrize('name', list(declarations.NODES))
def test_every_result_holds_every_declared_global_in_order_success_first(monkeypatch, name, outcome):
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {'braze_url': URL, 'braze_api_key': API_KEY,
                                                    'braze_link_secrets': dict(LINK_SECRETS)}})
    payload, context = OUTCOMES[outcome]
    result = BY_NAME[name]().execute(Logs(), payload, dict(context))
    node = declarations.NODES[name]
    mapped = ['FIRST_NAME', 'LAST_NAME', 'EMAIL_ADDRESS', 'DATE_OF_BIRTH', 'CITY_OF_RESIDENCE'] if node.mapped else []
    assert list(result) == ['success'] + mapped + list(node.sets)
    assert all(isinstance(value, str) for value in result.values())
    if result['success'] == 'error':
        assert result['BRAZE_ERROR'] in ('config', 'invalid_input')
        for route in node.routes:  # a route global says error too, so a flow routed on it never strands
            assert result[route] == 'error'


def test_a_link_refused_for_its_payload_sets_all_three_link_globals():
    result = BY_NAME['BrazeVerifyLink']().execute(Logs(), '{"url": ', dict(SANDBOX))
    assert result == {'success': 'error', 'BRAZE_LINK_EXTERNAL_ID': '', 'BRAZE_LINK_COHORT': '',
                      'BRAZE_LINK_ROUTE': 'error', 'BRAZE_DROPPED': '', 'BRAZE_ERROR': 'invalid_input'}


# --- settings per node ----------------------------------------------------------------------------

GOOD = {'braze_url': URL, 'braze_api_key': API_KEY, 'braze_link_secrets': dict(LINK_SECRETS),
        'braze_canvases': {'welcome_back': 'canvas-1'}, 'braze_campaigns': {'follow_up': 'campaign-1'},
        'braze_subscription_groups': {'sms_offers': '0f9e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4'}}
PAYLOADS = {'BrazeUserTrack': {'external_id': 'u', 'attributes': {'plan': 'pro'}},
            'BrazeUserLookup': {'external_id': 'u'},
            'BrazeUserIdentify': {'external_id': 'u'},
            'BrazeCanvasTrigger': {'canvas': 'welcome_back', 'external_id': 'u'},
            'BrazeCampaignTrigger': {'campaign': 'follow_up', 'external_id': 'u'},
            'BrazeVerifyLink': {},
            'BrazeSubscriptionSet': {'group': 'sms_offers', 'state': 'subscribed', 'external_id': 'u',
                                     'consent': {'wording': 'sms-offers-v3'}}}
BAD = {'braze_campaigns': 'not a map', 'braze_canvases': ['x'], 'braze_contract': 'gold',
       'braze_link_secrets': {'k': 'short'}, 'braze_link_max_age': '1', 'braze_user_track': 'users/other',
       'braze_max_objects': '0', 'braze_retry_non_idempotent': 'maybe',
       'braze_subscription_groups': {'sms_offers': 'not-a-uuid'}}


@pytest.mark.parametrize('setting', sorted(BAD))
def test_a_bad_setting_fails_only_the_nodes_that_read_it(monkeypatch, setting):
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': dict(GOOD, **{setting: BAD[setting]})})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for path, body in (('users/track', {'message': 'success'}), ('users/export/ids', {'message': 'success',
                                                                                         'users': []}),
                           ('canvas/trigger/send', {'message': 'success', 'dispatch_id': 'd'}),
                           ('campaigns/trigger/send', {'message': 'success', 'dispatch_id': 'd'})):
            mocked.add(responses.POST, '{}/{}'.format(URL, path), json=body, status=201)
        for name, node in declarations.NODES.items():
            logs = Logs()
            result = BY_NAME[name]().execute(logs, dict(PAYLOADS[name]), dict(SANDBOX))
            if setting in declarations.settings_of(node):
                assert result['BRAZE_ERROR'] == 'config' and setting in logs[-1], (name, logs)
            else:
                assert result['BRAZE_ERROR'] != 'config', (name, logs)


def test_verify_link_needs_no_braze_url_or_key(monkeypatch):
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': {'braze_link_secrets': dict(LINK_SECRETS)}})
    assert BY_NAME['BrazeVerifyLink']().execute(Logs(), {}, dict(SANDBOX))['success'] == 'missing'


@pytest.mark.parametrize('name', [name for name, node in declarations.NODES.items() if node.endpoints])
def test_a_403_names_the_permission_the_declaration_gives(monkeypatch, name):
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': dict(GOOD)})
    logs = Logs()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for endpoint in declarations.NODES[name].endpoints:
            mocked.add(responses.POST, '{}/{}'.format(URL, endpoint.path), json={'message': 'Access Denied'},
                       status=403)
        result = BY_NAME[name]().execute(logs, dict(PAYLOADS[name]), dict(SANDBOX))
    assert result['BRAZE_ERROR'] == 'forbidden'
    assert 'the key lacks the {} permission'.format(declarations.NODES[name].endpoints[0].permission) in logs[-1]


# --- read by tools without a node -----------------------------------------------------------------

def test_the_declarations_are_read_without_requests_urllib3_or_any_other_module_of_the_package():
    script = ('import importlib.util, sys\n'
              'sys.modules["requests"] = sys.modules["urllib3"] = None\n'
              'spec = importlib.util.spec_from_file_location("d", sys.argv[1])\n'
              'module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n'
              'print(sorted(module.NODES))\n')
    done = subprocess.run([sys.executable, '-c', script, os.path.join(ROOT, 'actions', 'braze_declarations.py')],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(declarations.NODES))


def imported_modules(text):
    found = set()
    for item in ast.walk(ast.parse(text)):
        if isinstance(item, ast.Import):
            found.update(alias.name.split('.')[0] for alias in item.names)
        elif isinstance(item, ast.ImportFrom) and item.level == 0:
            found.add(item.module.split('.')[0])
    return found


def test_the_single_file_verify_link_carries_no_http_library_and_no_transport_code():
    from local_pypestream import singlefile
    from local_pypestream.bundle import Bundle
    bundle = Bundle(os.path.join(ROOT, 'actions'))
    text = singlefile.generate(bundle, 'BrazeVerifyLink')
    assert not imported_modules(text) & {'requests', 'urllib3', 'http', 'socket', 'ssl'}
    for transport in ('braze_wire', 'braze_sockets', 'braze_call', 'braze_retry', 'braze_node'):
        assert '# ---- {}.py ----'.format(transport) not in text
    tracked = singlefile.generate(bundle, 'BrazeUserTrack')
    assert {'requests', 'urllib3'} <= imported_modules(tracked)  # the check above can fail


def test_the_going_live_table_gives_each_node_the_permissions_its_declaration_needs():
    text = open(README, encoding='utf-8').read()
    table = text[text.index('| node | permissions its key needs |'):]
    table = table[:table.index('\n\n')]
    rows = {}
    for row in table.splitlines()[2:]:
        cells = [cell.strip() for cell in row.strip().strip('|').split('|')]
        rows[cells[0].strip('`')] = tuple(re.findall(r'`([a-z.]+)`', cells[1]))
    assert rows == {name: declarations.permissions_of(node) for name, node in declarations.NODES.items()}


def test_the_declarations_say_what_the_field_table_and_the_conventions_say():
    """The declarations import nothing, so the few facts they repeat are held to their homes here."""
    fields = load_module('actions.braze_fields')
    assert declarations.STANDARD_ATTRIBUTES == set(fields.ATTRIBUTES)
    for node in declarations.NODES.values():
        for key, given in node.inputs.items():
            if key in fields.IDENTIFIERS:
                assert given.kind == 'identifier' and given.personal == fields.IDENTIFIERS[key].personal, (
                    node.name, key)


def test_the_development_services_find_the_environment_blocks_the_nodes_find():
    import local_services
    conventions = load_module('actions.braze_conventions')
    assert local_services.ENVIRONMENTS == conventions.ENVIRONMENTS
