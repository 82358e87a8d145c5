# -*- coding: utf-8 -*-
"""The README's main-job command and the runtime stand-in."""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith('BRAZE_')}
    clean.update(env or {})
    return subprocess.run([sys.executable, '-m', 'local_pypestream', 'run'] + list(args), cwd=ROOT,
                          capture_output=True, text=True, env=clean, timeout=60)


def test_quick_start_seed_example_runs_on_the_embedded_emulator():
    done = run_cli('BrazeUserTrack', 'examples/seed.json')
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith('using the embedded Braze emulator at http://127.0.0.1:')
    assert 'log: BrazeUserTrack: success status=201 attempts=1' in lines[1]
    assert lines[2] == 'result: {"success": "true", "BRAZE_REJECTED": "", "BRAZE_DROPPED": "", "BRAZE_ERROR": ""}'
    [profile] = json.loads('\n'.join(lines[4:]))
    assert profile['external_id'] == 'pypestream-user-1001' and profile['dob'] == '1985-12-10'
    assert profile['custom_events'][0]['name'] == 'chat_completed'


@pytest.mark.parametrize('example', ['anonymous_chat_user.json', 'purchase.json'])
def test_other_examples_succeed(example):
    done = run_cli('BrazeUserTrack', os.path.join('examples', example))
    assert done.returncode == 0, done.stdout + done.stderr


def test_context_file_and_error_exit_code(tmp_path):
    payload = tmp_path / 'payload.json'
    payload.write_text(json.dumps({'external_id': '{CRM_ID}', 'attributes': {'tier': '{TIER}'}}))
    context = tmp_path / 'context.json'
    context.write_text(json.dumps({'CRM_ID': 'crm-7', 'user_data': {'TIER': 'gold'}}))
    done = run_cli('BrazeUserTrack', str(payload), '--context', str(context))
    assert done.returncode == 0
    assert '"tier": "gold"' in done.stdout
    payload.write_text(json.dumps({'external_id': None}))
    failed = run_cli('BrazeUserTrack', str(payload))
    assert failed.returncode == 1
    assert ('result: {"success": "error", "BRAZE_REJECTED": "", "BRAZE_DROPPED": "", "BRAZE_ERROR": "invalid_input"}'
            in failed.stdout)


def test_configured_braze_url_is_used_instead_of_the_emulator():
    done = run_cli('BrazeUserTrack', 'examples/seed.json', '--env', 'live',
                   env={'BRAZE_URL': 'http://127.0.0.1:9', 'BRAZE_API_KEY': 'k', 'BRAZE_DEADLINE': '0.5'})
    assert done.returncode == 1
    assert 'embedded' not in done.stdout
    assert '"BRAZE_ERROR": "unavailable"' in done.stdout


def test_several_nodes_tell_one_story_on_the_embedded_emulator():
    done = run_cli('BrazeUserTrack', 'examples/anonymous_chat_user.json', 'BrazeUserIdentify', 'examples/identify.json',
                   'BrazeUserLookup', 'examples/lookup.json', 'BrazeCanvasTrigger', 'examples/canvas_trigger.json',
                   'BrazeCampaignTrigger', 'examples/campaign_trigger.json')
    assert done.returncode == 0, done.stdout + done.stderr
    results = [json.loads(line[len('result: '):]) for line in done.stdout.splitlines() if line.startswith('result: ')]
    assert [r['success'] for r in results] == ['true'] * 5
    assert results[1]['BRAZE_IDENTIFIED'] == 'identified' and results[2]['CHATS_STARTED'] == '1'
    assert re.match('^[0-9a-f]{32}$', results[3]['BRAZE_DISPATCH_ID'])  # Braze's shape
    profile = json.loads(done.stdout.split('Braze emulator now holds:\n', 1)[1])[0]
    assert profile['external_id'] == 'pypestream-user-1001'
    assert profile['custom_events'][0]['name'] == 'chat_started'


def test_run_takes_pairs_only():
    assert run_cli('BrazeUserTrack').returncode == 2


def imported_modules(folder):
    """Every module the Python files of ``folder`` import (absolute names; relative ones as '.x')."""
    import ast
    found = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py'):
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                tree = ast.parse(handle.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update((alias.name, name) for alias in node.names)
                elif isinstance(node, ast.ImportFrom):
                    found['.' * node.level + (node.module or '')] = name
    return found


def test_local_braze_is_a_second_opinion_and_imports_no_node_code():
    """The emulator judges the nodes' requests: it must not share their code (a bug in the core
    would otherwise agree with itself)."""
    imports = imported_modules(os.path.join(ROOT, 'local_braze'))
    assert imports, 'no imports found: the check would pass vacuously'
    for module, where in imports.items():
        top = module.lstrip('.').split('.')[0]
        assert top not in ('actions', 'pypestream_solution', 'local_pypestream', 'local_services', 'app'), (module, where)
        assert not module.startswith('..'), (module, where)
    for name in os.listdir(os.path.join(ROOT, 'local_braze')):
        if name.endswith('.py'):
            with open(os.path.join(ROOT, 'local_braze', name), encoding='utf-8') as handle:
                text = handle.read()
            assert 'load_module' not in text and 'importlib' not in text and '__import__' not in text, name


# The installer carries this package's own nodes into a solution, so it knows their names; the
# stand-in itself (run, flow, lint, the built-ins) must not, or it stops being a second opinion.
# The tools that carry the node package and read its declarations (not the Pypestream stand-in itself).
INSTALLER = ('install.py', 'bundle.py', 'singlefile.py', 'doctor.py', 'uninstall.py')


def test_the_pypestream_stand_in_knows_nothing_of_braze():
    folder = os.path.join(ROOT, 'local_pypestream')
    for name in os.listdir(folder):
        if name.endswith('.py') and name not in INSTALLER:
            with open(os.path.join(folder, name)) as handle:
                text = handle.read()
            assert 'local_braze' not in text and 'actions.braze' not in text and 'Braze' not in text, name


def test_solution_loads_under_a_fixed_name_from_any_folder(tmp_path):
    import shutil
    copy = tmp_path / 'any-folder-name'
    shutil.copytree(ROOT, str(copy), ignore=shutil.ignore_patterns('.git', '__pycache__', '.pytest_cache'))
    done = subprocess.run([sys.executable, '-c', 'from local_pypestream.solution import load_node;'
                           'print(load_node("BrazeUserTrack").__module__)'], cwd=str(copy),
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == 'pypestream_solution.actions.BrazeUserTrack', done.stderr


def cli(*args):
    clean = {k: v for k, v in os.environ.items() if not k.startswith('BRAZE_')}
    return subprocess.run([sys.executable, '-m', 'local_pypestream'] + list(args), cwd=ROOT, capture_output=True,
                          text=True, env=clean, timeout=60)


def test_link_works_on_a_single_file_solution_and_refuses_one_without_the_node(tmp_path):
    from local_pypestream import install
    root = tmp_path / 'sol'
    (root / 'actions').mkdir(parents=True)
    (root / 'app.py').write_text("PARAMS = {\n    'sandbox': {\n    },\n}\n")
    assert install.install(str(root), layout='single-file', out=lambda line: None) == 0
    done = cli('link', '--solution', str(root), '--uid', 'C-1')
    assert done.returncode == 0 and done.stdout.startswith('https://www.example.com/chat?bz_uid=C-1&'), done.stderr
    os.remove(str(root / 'actions' / 'BrazeVerifyLink.py'))
    refused = cli('link', '--solution', str(root), '--uid', 'C-1')
    assert refused.returncode == 2 and 'Traceback' not in refused.stderr
    assert 'the solution has no usable actions/BrazeVerifyLink.py' in refused.stderr


def test_link_refuses_a_uid_that_is_not_text_without_a_traceback():
    done = subprocess.run([sys.executable, '-m', 'local_pypestream', 'link', b'--uid', b'C-\xff1'], cwd=ROOT,
                          capture_output=True, timeout=60)
    assert done.returncode == 2 and b'Traceback' not in done.stderr
    assert b'link: --uid is not valid text (bytes that are not UTF-8?)' in done.stderr


def test_a_solution_with_the_placeholders_rehearses_on_the_embedded_emulator(tmp_path):
    from local_pypestream import install
    root = tmp_path / 'sol'
    (root / 'actions').mkdir(parents=True)
    (root / 'app.py').write_text("PARAMS = {\n    'sandbox': {\n    },\n}\n")
    assert install.install(str(root), out=lambda line: None) == 0
    done = run_cli('BrazeUserTrack', os.path.join(ROOT, 'examples', 'seed.json'), '--solution', str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith('braze_url/braze_api_key are the placeholders: using the embedded emulator at '
                               'http://127.0.0.1:')
    assert 'log: BrazeUserTrack: success status=201' in lines[1]
