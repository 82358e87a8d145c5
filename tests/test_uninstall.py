# -*- coding: utf-8 -*-
"""uninstall-from takes out exactly what install-into put in: a solution left byte-identical when nothing
changed in between; a changed file refused with a diff (or backed up with --force); placeholders removed
only while they are placeholders; rows that still call a removed node named; nothing half-removed."""
import hashlib
import os

from local_pypestream import install, uninstall
from test_install import APP, BUNDLE, OWN_NODE, make_solution, read

HEADER = ('Node Number,Node Type,Node Name,Intent,Entity Type,Entity,NLU Disabled?,Next Nodes,Message,Rich Asset '
          'Type,Rich Asset Content,Answer Required?,Behaviors,Command,Description,Output,Node Input,Parameter '
          'Input,Decision Variable,What Next?,Node Tags,Skill Tag,Variable,Platform Flag,Flows,CSS Classname\n')


def fingerprint(root):
    """Every file and folder under root with its bytes' digest and mode: what byte-identical means."""
    found = {}
    for folder, subfolders, names in os.walk(root):
        for name in subfolders:
            found[os.path.relpath(os.path.join(folder, name), root) + '/'] = None
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as handle:
                found[os.path.relpath(path, root)] = (hashlib.sha256(handle.read()).hexdigest(),
                                                      os.stat(path).st_mode)
    return found


def run(root, **options):
    lines = []
    status = uninstall.uninstall(root, out=lines.append, **options)
    return status, '\n'.join(lines)


def installed(tmp_path, layout='modules', app=APP):
    root = make_solution(tmp_path / 'sol', app=app, own_track=False)
    before = fingerprint(root)
    assert install.install(root, layout=layout, out=lambda line: None, bundle=BUNDLE) == 0
    return root, before


def test_uninstall_leaves_the_solution_byte_identical_in_both_layouts(tmp_path):
    for layout in install.LAYOUTS:
        root, before = installed(tmp_path / layout, layout)
        status, out = run(root)
        assert status == 0, out
        assert fingerprint(root) == before
        assert 'removed pypestream-braze from' in out


def test_an_app_py_with_a_byte_order_mark_is_restored_byte_for_byte(tmp_path):
    root, before = installed(tmp_path, app='\ufeff' + APP)
    assert run(root)[0] == 0 and fingerprint(root) == before


def test_a_changed_file_is_refused_with_a_diff_and_nothing_is_removed(tmp_path):
    root, _ = installed(tmp_path)
    path = os.path.join(root, 'actions', 'BrazeUserTrack.py')
    with open(path, 'a') as handle:
        handle.write('# a local fix\n')
    middle = fingerprint(root)
    status, out = run(root)
    assert status == 1 and 'refused: actions/BrazeUserTrack.py: changed since install-into wrote it' in out
    assert '-# a local fix' in out and 'nothing removed' in out
    assert fingerprint(root) == middle


def test_force_removes_a_changed_file_after_a_backup_with_its_mode(tmp_path):
    root, _ = installed(tmp_path)
    path = os.path.join(root, 'actions', 'BrazeUserTrack.py')
    with open(path, 'a') as handle:
        handle.write('# a local fix\n')
    os.chmod(path, 0o600)
    changed = read(path)
    status, out = run(root, force=True)
    assert status == 0 and not os.path.exists(path)
    [stamp] = os.listdir(os.path.join(root, install.BACKUPS))
    backup = os.path.join(root, install.BACKUPS, stamp, 'actions', 'BrazeUserTrack.py')
    assert read(backup) == changed and os.stat(backup).st_mode & 0o777 == 0o600


def test_a_placeholder_replaced_by_a_real_value_is_kept_and_said(tmp_path):
    root, _ = installed(tmp_path)
    text = read(root, 'app.py').decode('utf-8')
    text = text.replace("'braze_url': '{ BRAZE ENDPOINT URL }',", "'braze_url': 'https://rest.iad-01.braze.com',", 1)
    with open(os.path.join(root, 'app.py'), 'w') as handle:
        handle.write(text)
    status, out = run(root)
    assert status == 0
    after = read(root, 'app.py').decode('utf-8')
    assert after.count("'braze_url': 'https://rest.iad-01.braze.com',") == 1 and '{ BRAZE' not in after
    assert "app.py keeps, in PARAMS: 'braze_url': 'https://rest.iad-01.braze.com', (no longer a placeholder" in out


def test_rows_that_still_call_a_removed_node_are_named(tmp_path):
    root, _ = installed(tmp_path)
    with open(os.path.join(root, 'main.csv'), 'w') as handle:
        handle.write(HEADER + '1,A,Record,,,,,,,,,,,BrazeUserTrack,,success,,,success,true~2|error~2,,,,,,\n'
                     '2,A,Mine,,,,,,,,,,,CaptureName,,success,,,success,true~3|error~3,,,,,,\n')
    status, out = run(root)
    assert status == 0 and out.splitlines()[-1] == 'main.csv: node 1 still calls BrazeUserTrack, which is no ' \
                                                   'longer installed'


def test_without_a_record_nothing_is_touched(tmp_path):
    root = make_solution(tmp_path / 'sol')
    before = fingerprint(root)
    status, out = run(root)
    assert status == 1 and 'holds no braze_install.json: nothing was installed here by install-into' in out
    assert fingerprint(root) == before


def test_dry_run_removes_nothing(tmp_path):
    root, _ = installed(tmp_path)
    middle = fingerprint(root)
    status, out = run(root, dry_run=True)
    assert status == 0 and 'dry run: nothing removed' in out and fingerprint(root) == middle


def test_a_failure_midway_puts_back_everything(tmp_path, monkeypatch):
    root, _ = installed(tmp_path)
    middle = fingerprint(root)
    real, calls = install._put, []

    def failing(path, data, mode=None):
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, 'No space left on device')
        real(path, data, mode)
    monkeypatch.setattr(install, '_put', failing)
    status, out = run(root)
    assert status == 1 and 'every change undone' in out and fingerprint(root) == middle


def test_the_solutions_own_files_are_never_touched(tmp_path):
    root, _ = installed(tmp_path)
    assert run(root)[0] == 0
    assert read(root, 'actions', 'CaptureName.py') == OWN_NODE.encode()
