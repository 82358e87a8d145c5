# -*- coding: utf-8 -*-
"""install-into on a solution built like the production bot (docs/install.md): refusals, force and
backups, reruns, upgrades, both layouts, app.py edited as text, hostile solutions, nothing half-written."""
import ast
import json
import os
import sys

import pytest
import responses

from local_pypestream import appparams, install, singlefile
from local_pypestream.bundle import Bundle
from local_pypestream.solution import load_module, load_node
from support import API_KEY, Logs

BUNDLE = Bundle()
APP = """# Acme Claims bot: settings per environment (uploaded to Bot Manager as the config)
import os

NAME = 'Acme'
BOTS = []
CSV_BOTS = ['AcmeClaims']
PATH = os.path.dirname(__file__)

PARAMS = {
    'sandbox': {  # QA tenant
        'crm_url': 'https://qa.crm.example',   # keep in sync with the CRM team
        'crm_token': 'qa-token',
    },
    'live': {
        'crm_url': 'https://crm.example',
        'crm_token': 'live-token',
    },
}
"""
TEMPLATE = "# hand-copied from the partner page\nclass BrazeUserTrack:\n    pass\n"
OWN_NODE = """class CaptureName(object):
    def execute(self, log, payload=None, context=None):
        return {'success': 'true', 'FIRST_NAME': 'Ava'}
"""


def make_solution(root, app=APP, own_track=True):
    os.makedirs(os.path.join(root, 'actions'))
    with open(os.path.join(root, 'app.py'), 'w', encoding='utf-8', newline='') as handle:
        handle.write(app)
    with open(os.path.join(root, 'actions', 'CaptureName.py'), 'w') as handle:
        handle.write(OWN_NODE)
    if own_track:
        with open(os.path.join(root, 'actions', 'BrazeUserTrack.py'), 'w') as handle:
            handle.write(TEMPLATE)
    return str(root)


def snapshot(root):
    """Every file under root: its bytes and modification time."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as handle:
                found[os.path.relpath(path, root)] = (handle.read(), os.stat(path).st_mtime_ns)
    return found


def run(root, **options):
    lines = []
    status = install.install(root, out=lines.append, bundle=BUNDLE, **options)
    return status, '\n'.join(lines)


def read(root, *parts):
    with open(os.path.join(root, *parts), 'rb') as handle:
        return handle.read()


# --- the production-like solution: refuse, force, rerun, edit, upgrade ------------------------------

def test_a_file_of_the_solution_with_the_same_name_is_refused_with_a_diff_and_nothing_written(tmp_path):
    root = make_solution(tmp_path / 'sol')
    before = snapshot(root)
    status, out = run(root)
    assert status == 1
    assert 'refused: actions/BrazeUserTrack.py: a file of the solution with the same name' in out
    assert '-# hand-copied from the partner page' in out and '+class BrazeUserTrack(BrazeNode):' in out
    assert 'nothing written' in out
    assert snapshot(root) == before


def test_the_name_is_compared_case_insensitively(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    with open(os.path.join(root, 'actions', 'braze_URL.py'), 'w') as handle:
        handle.write('# ours\n')
    before = snapshot(root)
    status, out = run(root)
    assert status == 1 and 'refused: actions/braze_URL.py' in out and 'differs only in case' in out
    assert snapshot(root) == before


def test_force_installs_after_a_backup_outside_actions_and_a_second_run_changes_nothing(tmp_path):
    root = make_solution(tmp_path / 'sol')
    status, out = run(root, force=True)
    assert status == 0, out
    assert read(root, 'actions', 'BrazeUserTrack.py') == BUNDLE.sources['BrazeUserTrack'].encode()
    backups = os.path.join(root, install.BACKUPS)
    [stamp] = os.listdir(backups)
    assert read(backups, stamp, 'actions', 'BrazeUserTrack.py') == TEMPLATE.encode()
    assert read(root, 'actions', 'CaptureName.py') == OWN_NODE.encode()
    assert read(root, 'actions', '__init__.py') == b''
    record = json.loads(read(root, install.MANIFEST))
    assert record['version'] == BUNDLE.version and record['layout'] == 'modules'
    assert set(record['files']) == {'actions/{}.py'.format(m) for m in BUNDLE.closure(BUNDLE.nodes)}
    assert not [name for name in os.listdir(os.path.join(root, 'actions')) if not name.endswith('.py')]
    after = snapshot(root)
    status, out = run(root)
    assert status == 0 and 'nothing to change' in out
    assert snapshot(root) == after


def test_app_py_keeps_every_byte_outside_the_added_keys(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root)[0] == 0
    text = read(root, 'app.py').decode()
    added = ["        'braze_url': '{ BRAZE ENDPOINT URL }',\n", "        'braze_api_key': '{ BRAZE API KEY }',\n"]
    assert text.count(added[0]) == 2 and text.count(added[1]) == 2
    assert text.replace(added[0], '').replace(added[1], '') == APP
    assert text.index(added[0]) == text.index("'sandbox': {  # QA tenant\n") + len("'sandbox': {  # QA tenant\n")


def test_a_changed_installed_file_is_kept_on_a_rerun_and_refused_by_another_version(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root)[0] == 0
    path = os.path.join(root, 'actions', 'braze_url.py')
    with open(path, 'a') as handle:
        handle.write('# our tweak\n')
    status, out = run(root)
    assert status == 0 and 'actions/braze_url.py: kept, changed since it was installed: not replaced' in out
    assert read(root, 'actions', 'braze_url.py').endswith(b'# our tweak\n')
    record = json.loads(read(root, install.MANIFEST))
    record['version'] = '1.9.0'  # as if an older version had installed it
    with open(os.path.join(root, install.MANIFEST), 'w') as handle:
        json.dump(record, handle)
    before = snapshot(root)
    status, out = run(root)
    assert status == 1 and 'refused: actions/braze_url.py: changed since install-into wrote it' in out
    assert '-# our tweak' in out
    assert snapshot(root) == before


def test_force_replaces_a_changed_file_on_a_rerun_too_after_a_backup(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root)[0] == 0
    with open(os.path.join(root, 'actions', 'braze_url.py'), 'a') as handle:
        handle.write('# our tweak\n')
    status, out = run(root, force=True)
    assert status == 0 and 'actions/braze_url.py: replaced: changed since install-into wrote it (backup kept)' in out
    assert read(root, 'actions', 'braze_url.py') == BUNDLE.sources['braze_url'].encode()
    [stamp] = os.listdir(os.path.join(root, install.BACKUPS))
    assert read(root, install.BACKUPS, stamp, 'actions', 'braze_url.py').endswith(b'# our tweak\n')


def test_a_huge_file_named_like_a_node_file_is_a_finding(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    with open(os.path.join(root, 'actions', 'braze_wire.py'), 'wb') as handle:
        handle.truncate(install.MAX_SCRIPT + 1)
    before = snapshot(root)
    status, out = run(root)
    assert status == 1 and 'actions/braze_wire.py is over 8 MiB: not a script' in out
    assert snapshot(root) == before
    os.remove(os.path.join(root, 'actions', 'braze_wire.py'))


def test_a_folder_that_cannot_be_listed_is_a_finding(tmp_path, monkeypatch):
    root = make_solution(tmp_path / 'sol', own_track=False)

    def refused(path):
        raise PermissionError(13, 'Permission denied', path)

    monkeypatch.setattr(install.os, 'listdir', refused)
    status, out = run(root)
    assert status == 1 and out == 'install-into: {} (Permission denied); nothing written'.format(
        os.path.join(root, 'actions'))


def test_a_newer_version_upgrades_the_untouched_files_it_installed(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root)[0] == 0
    old = b'# braze_fields from an older version\n'
    with open(os.path.join(root, 'actions', 'braze_fields.py'), 'wb') as handle:
        handle.write(old)
    record = json.loads(read(root, install.MANIFEST))
    record['version'] = '1.9.0'
    record['files']['actions/braze_fields.py'] = install._sha(old)
    with open(os.path.join(root, install.MANIFEST), 'w') as handle:
        json.dump(record, handle)
    status, out = run(root)
    assert status == 0 and 'actions/braze_fields.py: upgraded' in out
    assert read(root, 'actions', 'braze_fields.py') == BUNDLE.sources['braze_fields'].encode()
    assert json.loads(read(root, install.MANIFEST))['version'] == BUNDLE.version


def test_a_node_an_older_version_installed_and_this_one_no_longer_ships_is_removed(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root, nodes=['BrazeVerifyLink'])[0] == 0
    old = b'class BrazeOldNode(object):\n    pass\n'
    with open(os.path.join(root, 'actions', 'BrazeOldNode.py'), 'wb') as handle:
        handle.write(old)
    record = json.loads(read(root, install.MANIFEST))
    record.update(version='1.9.0', nodes=record['nodes'] + ['BrazeOldNode'])
    record['files']['actions/BrazeOldNode.py'] = install._sha(old)
    with open(os.path.join(root, install.MANIFEST), 'w') as handle:
        json.dump(record, handle)
    status, out = run(root)
    assert status == 0 and 'actions/BrazeOldNode.py: removed (no longer part of this install)' in out
    assert not os.path.exists(os.path.join(root, 'actions', 'BrazeOldNode.py'))


def test_dry_run_shows_the_diff_and_the_files_and_writes_nothing(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    before = snapshot(root)
    status, out = run(root, dry_run=True)
    assert status == 0 and out.endswith('dry run: nothing written')
    assert "+        'braze_url': '{ BRAZE ENDPOINT URL }'," in out and 'actions/braze_wire.py: new' in out
    assert snapshot(root) == before


def test_chosen_nodes_bring_only_what_they_import(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root, nodes=['BrazeVerifyLink'])[0] == 0
    installed = {n[:-3] for n in os.listdir(os.path.join(root, 'actions'))} - {'CaptureName', '__init__'}
    assert installed == set(BUNDLE.closure(['BrazeVerifyLink']))
    assert 'braze_track' not in installed and 'braze_links' in installed
    status, out = run(root, nodes=['BrazeUserTrak'])
    assert status == 1 and 'no node named BrazeUserTrak' in out


def test_switching_layouts_removes_the_files_of_the_other_layout(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root)[0] == 0
    status, out = run(root, layout='single-file')
    assert status == 0, out
    names = sorted(os.listdir(os.path.join(root, 'actions')))
    assert names == sorted(['CaptureName.py', '__init__.py'] + ['{}.py'.format(n) for n in BUNDLE.nodes])
    assert read(root, 'actions', 'BrazeUserLookup.py').startswith(b'# -*- coding: utf-8 -*-\n# Generated by')
    assert run(root, layout='modules')[0] == 0
    assert 'braze_wire.py' in os.listdir(os.path.join(root, 'actions'))
    assert read(root, 'actions', 'BrazeUserLookup.py') == BUNDLE.sources['BrazeUserLookup'].encode()


def test_a_write_that_fails_midway_undoes_every_change(tmp_path, monkeypatch):
    root = make_solution(tmp_path / 'sol', own_track=False)
    before = snapshot(root)
    real, calls = install._put, []

    def failing(path, data, mode=None):
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, 'No space left on device')
        real(path, data, mode)

    monkeypatch.setattr(install, '_put', failing)
    status, out = run(root)
    assert status == 1 and 'No space left on device' in out and 'every change undone' in out
    assert {k: v[0] for k, v in snapshot(root).items()} == {k: v[0] for k, v in before.items()}


def test_the_solutions_flows_are_linted_against_its_own_actions_without_changing_the_exit_status(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    os.makedirs(os.path.join(root, 'flows'))
    header = 'Node Number,Node Type,Node Name,Intent,Entity Type,Entity,NLU Disabled?,Next Nodes,Message,Rich Asset ' \
             'Type,Rich Asset Content,Answer Required?,Behaviors,Command,Description,Output,Node Input,Parameter ' \
             'Input,Decision Variable,What Next?,Node Tags,Skill Tag,Variable,Platform Flag,Flows,CSS Classname\n'
    rows = ['1,A,Capture,,,,,,,,,,,CaptureName,,success,,,success,true~2|error~2,,,FIRST_NAME,,,\n',
            '2,A,Record,,,,,,,,,,,BrazeUserTrack,,success,,,success,true~3|error~3,,,BRAZE_ERROR,,,\n',
            '3,A,Missing,,,,,,,,,,,NoSuchNode,,success,,,success,true~4|error~4,,,,,,\n',
            '4,D,Bye,,,,,,Bye {FIRST_NAME},,,,,,,,,,,,,,,,,\n']
    with open(os.path.join(root, 'flows', 'main.csv'), 'w') as handle:
        handle.write(header + ''.join(rows))
    status, out = run(root)
    assert status == 0 and out.splitlines()[-1] == 'lint flows/main.csv: 1 error(s), 0 warning(s)'
    status, out = run(root, flows=os.path.join(root, 'nowhere', '*.csv'))
    assert status == 0 and 'lint' not in out.splitlines()[-1]


# --- hostile or unusual solutions: a clear message, exit 1, nothing written ----------------------------

def hostile_cases():
    return {
        'syntax error': (APP.replace("'live': {", "'live': {{"), 'app.py is not valid Python on line'),
        'no PARAMS': ('NAME = "x"\n', 'app.py has no PARAMS'),
        'over 1 MiB': ('#' * (appparams.MAX_APP + 1), 'app.py is over 1 MiB'),
        'not UTF-8': (None, 'app.py is not UTF-8'),
    }


@pytest.mark.parametrize('case', sorted(hostile_cases()))
def test_a_hostile_app_py_is_a_clear_error_and_nothing_is_written(tmp_path, case):
    text, message = hostile_cases()[case]
    root = make_solution(tmp_path / 'sol', own_track=False)
    with open(os.path.join(root, 'app.py'), 'wb') as handle:
        handle.write(text.encode() if text is not None else b"PARAMS = {'sandbox': {'x': '\xe9'}}\n")
    before = snapshot(root)
    status, out = run(root)
    assert status == 1 and message in out and out.endswith('nothing written'), out
    assert snapshot(root) == before


def test_a_symlinked_actions_folder_or_a_missing_app_is_refused(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    root = tmp_path / 'sol'
    root.mkdir()
    (root / 'app.py').write_text(APP)
    os.symlink(str(elsewhere), str(root / 'actions'))
    status, out = run(str(root))
    assert status == 1 and 'actions/ is a link' in out
    assert os.listdir(str(elsewhere)) == []
    status, out = run(str(tmp_path / 'elsewhere'))
    assert status == 1 and 'has no app.py' in out


def test_a_diff_of_a_hostile_file_cannot_send_escape_codes_to_the_terminal(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    with open(os.path.join(root, 'actions', 'braze_url.py'), 'w') as handle:
        handle.write('# \x1b[2J\x1b]0;owned\x07 cleared\r\n\tx = 1\n')
    status, out = run(root)
    assert status == 1 and '\x1b' not in out and '\x07' not in out
    assert '-# \\x1b[2J\\x1b]0;owned\\x07 cleared' in out and '-\tx = 1' in out


def test_this_packages_own_folder_is_not_a_target(tmp_path):
    status, out = run(os.path.dirname(BUNDLE.folder))
    assert status == 1 and 'is where the nodes come from' in out


def test_a_symlink_in_actions_named_like_a_node_file_is_refused(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    target = tmp_path / 'outside.py'
    target.write_text('# not in the solution\n')
    os.symlink(str(target), os.path.join(root, 'actions', 'braze_wire.py'))
    status, out = run(root)
    assert status == 1 and 'actions/braze_wire.py is not a regular file' in out
    assert target.read_text() == '# not in the solution\n'


@pytest.mark.parametrize('record', ['not json', '[]', '{"version": "2.0.0", "layout": "modules", "nodes": [], '
                                    '"files": {"actions/../app.py": "x"}}',
                                    '{"version": "2.0.0", "layout": "modules", "nodes": [], '
                                    '"files": {"actions/..\\\\app.py": "x"}}'])
def test_a_record_that_is_not_ours_is_refused(tmp_path, record):
    root = make_solution(tmp_path / 'sol', own_track=False)
    with open(os.path.join(root, install.MANIFEST), 'w') as handle:
        handle.write(record)
    before = snapshot(root)
    status, out = run(root)
    assert status == 1 and "braze_install.json is not install-into's record" in out
    assert snapshot(root) == before


def test_params_built_by_code_installs_the_nodes_leaves_app_py_and_prints_the_lines(tmp_path):
    code = "import os\n\ndef block(env):\n    return {'env': env}\n\nPARAMS = {'sandbox': block('sandbox')}\n"
    root = make_solution(tmp_path / 'sol', app=code, own_track=False)
    status, out = run(root)
    assert status == 0 and read(root, 'app.py') == code.encode()
    assert "  [sandbox] 'braze_url': '{ BRAZE ENDPOINT URL }'," in out
    assert "  [sandbox] 'braze_api_key': '{ BRAZE API KEY }'," in out
    assert os.path.isfile(os.path.join(root, 'actions', 'braze_wire.py'))


# --- app.py merged as text -------------------------------------------------------------------------

SETTINGS = install.PLACEHOLDERS


@pytest.mark.parametrize('text, expected', [
    # CRLF line endings and tab indentation are kept
    ("PARAMS = {\r\n\t'sandbox': {\r\n\t\t'a': 1,\r\n\t},\r\n}\r\n",
     "PARAMS = {\r\n\t'sandbox': {\r\n\t\t'braze_url': '{ BRAZE ENDPOINT URL }',\r\n"
     "\t\t'braze_api_key': '{ BRAZE API KEY }',\r\n\t\t'a': 1,\r\n\t},\r\n}\r\n"),
    # an empty block written over two lines, with the prod name of the partner page
    ("PARAMS = {\n    'prod': {\n    },\n}\n",
     "PARAMS = {\n    'prod': {\n        'braze_url': '{ BRAZE ENDPOINT URL }',\n"
     "        'braze_api_key': '{ BRAZE API KEY }',\n    },\n}\n"),
    # a block that has one of the two gets only the other
    ("PARAMS = {\n    'live': {\n        'braze_url': 'https://rest.iad-01.braze.com',\n    },\n}\n",
     "PARAMS = {\n    'live': {\n        'braze_api_key': '{ BRAZE API KEY }',\n"
     "        'braze_url': 'https://rest.iad-01.braze.com',\n    },\n}\n"),
    # a block that has both is left as it is, as is a block of another name
    ("PARAMS = {\n    'production': {\n        'braze_url': 'u', 'braze_api_key': 'k',\n    },\n"
     "    'dev': {\n    },\n}\n", None),
])
def test_merge_edits_only_what_it_adds(text, expected):
    merged = appparams.merge(text, SETTINGS)
    assert merged.text == (expected if expected is not None else text) and merged.manual == []


@pytest.mark.parametrize('text', [
    "PARAMS = {'sandbox': {'a': 1}}\n",                   # a block on one line
    "PARAMS = {\n    'sandbox': {'a': 1,\n    },\n}\n",   # a key after the brace
    "PARAMS = {\n    'sandbox': dict(a=1),\n}\n",         # built by a call
    "PARAMS = {}\nPARAMS = {'sandbox': {}}\n",            # assigned twice
    "PARAMS = {\n    **BASE,\n}\n",                       # unpacked from elsewhere
    "PARAMS = {\n    'staging': {\n    },\n}\n",          # no environment block we know
])
def test_merge_leaves_what_is_not_a_plain_literal_and_says_what_to_add(text):
    merged = appparams.merge(text, SETTINGS)
    assert merged.text == text and merged.added == []
    assert [line for _, line in merged.manual if not line.startswith('#')] == [
        "'braze_url': '{ BRAZE ENDPOINT URL }',", "'braze_api_key': '{ BRAZE API KEY }',"]


# --- the installed nodes run, placeholders are unset ------------------------------------------------

def test_a_node_of_the_solution_with_placeholders_is_a_config_error_and_sends_nothing(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root)[0] == 0
    node = load_node('BrazeUserTrack', root)()
    logs = Logs()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        result = node.execute(logs, {'external_id': 'u-1', 'attributes': {'plan': 'gold'}}, {'env': 'sandbox'})
        assert len(mock.calls) == 0
    assert result['success'] == 'error' and result['BRAZE_ERROR'] == 'config'
    assert 'braze_api_key is not set' in logs.text() and 'BRAZE API KEY' not in logs.text()
    load_module('app', root).PARAMS['sandbox']['braze_api_key'] = API_KEY
    logs = Logs()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        result = node.execute(logs, {'external_id': 'u-1', 'attributes': {'plan': 'gold'}}, {'env': 'sandbox'})
        assert len(mock.calls) == 0
    assert result['BRAZE_ERROR'] == 'config' and 'braze_url is not set' in logs.text()
    assert 'BRAZE ENDPOINT URL' not in logs.text()


# --- the single-file layout ----------------------------------------------------------------------------

ALLOWED = {'requests', 'urllib3'} | set(getattr(sys, 'stdlib_module_names', ()))


@pytest.mark.parametrize('node', BUNDLE.nodes)
def test_a_single_file_node_imports_only_the_standard_library_requests_urllib3_and_app(node):
    text = singlefile.generate(BUNDLE, node)
    assert text.startswith('# -*- coding: utf-8 -*-\n# Generated by local-pypestream install-into from '
                           'pypestream-braze {} (layout single-file)'.format(BUNDLE.version))
    tree = ast.parse(text)
    for statement in ast.walk(tree):
        if isinstance(statement, ast.ImportFrom):
            assert (statement.level, statement.module, [a.name for a in statement.names]) in [
                (2, None, ['app'])] or (statement.level == 0 and statement.module.split('.')[0] in ALLOWED), \
                ast.dump(statement)
        elif isinstance(statement, ast.Import):
            assert all(alias.name.split('.')[0] in ALLOWED for alias in statement.names), ast.dump(statement)
    assert [c.name for c in tree.body if isinstance(c, ast.ClassDef)] == [node]


def plain(value):
    if isinstance(value, (tuple, frozenset)):
        return all(plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float))


def test_a_single_file_keeps_every_constant_of_the_modules_it_holds(tmp_path):
    """Indenting a module into a function must not change a multi-line string or any other constant."""
    root = make_solution(tmp_path / 'sol', own_track=False)
    assert run(root, layout='single-file')[0] == 0
    generated = load_module('actions.BrazeUserTrack', root)
    compared = 0
    for name in BUNDLE.closure(['BrazeUserTrack'])[:-1]:
        original, namespace = load_module('actions.' + name), getattr(generated, name)
        for key, value in vars(original).items():
            if plain(value) and not key.startswith('__'):
                assert getattr(namespace, key) == value, (name, key)
                compared += 1
        # a module's docstring (multi-line) becomes its function's, character for character
        assert getattr(generated, '_module_' + name).__doc__ == original.__doc__, name
    assert compared > 40


def test_a_helper_with_a_global_statement_is_refused_by_the_single_file_layout(tmp_path):
    folder = tmp_path / 'nodes'
    folder.mkdir()
    (folder / 'braze_version.py').write_text("__version__ = '9.9.9'\n")
    (folder / 'braze_state.py').write_text('COUNT = 0\n\n\ndef bump():\n    global COUNT\n    COUNT += 1\n')
    (folder / 'BrazeCounter.py').write_text('from . import braze_state\n\n\nclass BrazeCounter(object):\n    pass\n')
    bundle = Bundle(str(folder))
    with pytest.raises(install.BundleError) as refused:
        singlefile.generate(bundle, 'BrazeCounter')
    assert str(refused.value) == 'braze_state uses a global statement: the single-file layout cannot hold it'
    root = make_solution(tmp_path / 'sol', own_track=False)
    lines = []
    assert install.install(root, layout='single-file', out=lines.append, bundle=bundle) == 1
    assert lines == ['install-into: braze_state uses a global statement: the single-file layout cannot hold it; '
                     'nothing written']
