# -*- coding: utf-8 -*-
"""install-into and lint on the files of a real solution, however they were saved: backups that stay
inside the solution and keep each file's permissions, an app.py with a byte-order mark or a form feed,
action scripts in another encoding or that do not compile, a FIFO named like a flow, file names that
hold escape codes. Each answer is a finding, never a traceback or a hang, and nothing half-written."""
import os
import stat
import subprocess
import sys

import pytest

from local_pypestream import flowfile, flowlint, install
from test_install import APP, BUNDLE, TEMPLATE, make_solution, read, run, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = ('Node Number,Node Type,Node Name,Intent,Entity Type,Entity,NLU Disabled?,Next Nodes,Message,Rich Asset '
          'Type,Rich Asset Content,Answer Required?,Behaviors,Command,Description,Output,Node Input,Parameter '
          'Input,Decision Variable,What Next?,Node Tags,Skill Tag,Variable,Platform Flag,Flows,CSS Classname\n')


def mode(*parts):
    return stat.S_IMODE(os.stat(os.path.join(*parts)).st_mode)


# --- backups ------------------------------------------------------------------------------------------

def test_force_refuses_a_backup_folder_that_is_a_link_and_writes_nothing(tmp_path):
    root = make_solution(tmp_path / 'sol')
    outside = tmp_path / 'outside'
    outside.mkdir()
    os.symlink(str(outside), os.path.join(root, install.BACKUPS))
    before = snapshot(root)
    status, out = run(root, force=True)
    assert status == 1 and '.braze_backup/ is a link or not a folder' in out and 'Nothing replaced' in out
    assert os.listdir(str(outside)) == [] and snapshot(root) == before


def test_a_backup_keeps_the_files_permissions(tmp_path):
    root = make_solution(tmp_path / 'sol')
    os.chmod(os.path.join(root, 'actions', 'BrazeUserTrack.py'), 0o600)
    status, out = run(root, force=True)
    assert status == 0, out
    [stamp] = os.listdir(os.path.join(root, install.BACKUPS))
    backup = os.path.join(root, install.BACKUPS, stamp, 'actions', 'BrazeUserTrack.py')
    assert read(backup) == TEMPLATE.encode() and mode(backup) == 0o600
    assert mode(root, 'actions', 'BrazeUserTrack.py') == 0o600  # the replaced file keeps its mode too


def test_two_forced_runs_in_the_same_second_keep_both_backups(tmp_path, monkeypatch):
    root = make_solution(tmp_path / 'sol')
    monkeypatch.setattr(install, 'datetime', _Frozen)
    assert run(root, force=True)[0] == 0
    with open(os.path.join(root, 'actions', 'BrazeUserTrack.py'), 'w') as handle:
        handle.write('# changed again\n')
    assert run(root, force=True)[0] == 0
    backups = os.path.join(root, install.BACKUPS)
    assert sorted(os.listdir(backups)) == ['20261202T101500Z', '20261202T101500Z-2']
    assert read(backups, '20261202T101500Z', 'actions', 'BrazeUserTrack.py') == TEMPLATE.encode()
    assert read(backups, '20261202T101500Z-2', 'actions', 'BrazeUserTrack.py') == b'# changed again\n'


class _Frozen(object):
    """datetime, stopped at one second."""
    import datetime as _real
    timezone = _real.timezone

    class datetime(object):
        @staticmethod
        def now(tz=None):
            return _Frozen._real.datetime(2026, 12, 2, 10, 15, 0, tzinfo=tz)


def test_a_failed_write_puts_every_file_back_with_its_permissions(tmp_path, monkeypatch):
    root = make_solution(tmp_path / 'sol', own_track=False)
    os.chmod(os.path.join(root, 'app.py'), 0o600)
    real, calls = install._put, []

    def failing(path, data, mode=None):
        calls.append(path)
        if path.endswith(install.MANIFEST):  # the last change: app.py was already rewritten
            raise OSError(28, 'No space left on device')
        real(path, data, mode)

    monkeypatch.setattr(install, '_put', failing)
    status, out = run(root)
    assert status == 1 and 'every change undone' in out
    assert read(root, 'app.py') == APP.encode() and mode(root, 'app.py') == 0o600


# --- app.py as editors save it -----------------------------------------------------------------------

def test_an_app_py_with_a_byte_order_mark_is_edited_and_keeps_the_mark(tmp_path):
    root = make_solution(tmp_path / 'sol', app='\ufeff' + APP, own_track=False)
    status, out = run(root)
    assert status == 0, out
    text = read(root, 'app.py')
    assert text.startswith(b'\xef\xbb\xbf# Acme') and text.count(b'\xef\xbb\xbf') == 1
    assert b"'braze_url': '{ BRAZE ENDPOINT URL }'," in text


@pytest.mark.parametrize('separator', ['\x0c', '\u2028', '\x1c', '\x85'])
def test_a_line_separator_python_does_not_count_above_params_does_not_stop_the_edit(tmp_path, separator):
    app = APP.replace('# Acme Claims bot', '# Acme{}Claims bot'.format(separator))
    root = make_solution(tmp_path / 'sol', app=app, own_track=False)
    status, out = run(root)
    assert status == 0 and 'not a plain literal' not in out, out
    text = read(root, 'app.py').decode('utf-8')
    assert text == app.replace("    'sandbox': {  # QA tenant\n", "    'sandbox': {  # QA tenant\n"
                               "        'braze_url': '{ BRAZE ENDPOINT URL }',\n"
                               "        'braze_api_key': '{ BRAZE API KEY }',\n").replace(
        "    'live': {\n", "    'live': {\n        'braze_url': '{ BRAZE ENDPOINT URL }',\n"
                          "        'braze_api_key': '{ BRAZE API KEY }',\n")


# --- the solution's flows and scripts -------------------------------------------------------------

def write(path, data):
    with open(str(path), 'wb') as handle:
        handle.write(data)


def flow_calling(command):
    return (HEADER + '1,A,Run,,,,,,,,,,,{},,success,,,success,true~2|error~2,,,,,,\n'.format(command) +
            '2,D,Bye,,,,,,Bye,,,,,,,,,,,,,,,,,\n')


def lint_lines(root, command):
    write(os.path.join(root, 'flow.csv'), flow_calling(command).encode())
    return [p.message for p in flowlint.lint(flowfile.read(os.path.join(root, 'flow.csv')),
                                             os.path.join(root, 'actions')) if p.level == 'error']


def test_a_script_in_the_encoding_its_coding_line_declares_is_read_as_python_reads_it(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    write(os.path.join(root, 'actions', 'Accents.py'),
          '# -*- coding: latin-1 -*-\n# Ñandú, café\nclass Accents (object):\n    pass\n'.encode('latin-1'))
    assert lint_lines(root, 'Accents') == []


@pytest.mark.parametrize('data, words', [
    (b'class Broken(object)\n    pass\n', 'actions/Broken.py does not compile (line 1)'),
    (b'# caf\xe9\nclass Broken: pass\n', 'actions/Broken.py cannot be read as Python reads it'),
    (b'# -*- coding: no-such-codec -*-\nclass Broken: pass\n', 'actions/Broken.py cannot be read as Python reads it'),
    (b'def helper():\n    class Broken: pass\n', 'no class Broken in actions/Broken.py'),
    (b'Broken = "class Broken(object):"\n', 'no class Broken in actions/Broken.py'),
])
def test_a_script_that_python_would_refuse_or_that_lacks_the_class_is_an_error_naming_why(tmp_path, data, words):
    root = make_solution(tmp_path / 'sol', own_track=False)
    write(os.path.join(root, 'actions', 'Broken.py'), data)
    [message] = lint_lines(root, 'Broken')
    assert message.startswith(words), message


def test_install_into_lints_a_solution_whose_script_is_not_utf8_without_a_traceback(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    write(os.path.join(root, 'actions', 'Legacy.py'), b'# caf\xe9\nclass Legacy: pass\n')
    write(os.path.join(root, 'flow.csv'), flow_calling('Legacy').encode())
    status, out = run(root)
    assert status == 0 and out.splitlines()[-1] == 'lint flow.csv: 1 error(s), 0 warning(s)'


@pytest.mark.skipif(not hasattr(os, 'mkfifo'), reason='no FIFOs on this system')
def test_a_fifo_named_like_a_flow_is_passed_over_and_install_into_ends(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    os.mkfifo(os.path.join(root, 'stuck.csv'))
    done = subprocess.run([sys.executable, '-m', 'local_pypestream', 'install-into', root], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == 'lint stuck.csv: not a regular file, not read'
    lint = subprocess.run([sys.executable, '-m', 'local_pypestream', 'lint', os.path.join(root, 'stuck.csv')],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 1 and 'the file is not a regular file' in lint.stdout


def test_a_flow_file_name_is_printed_escaped(tmp_path):
    root = make_solution(tmp_path / 'sol', own_track=False)
    write(os.path.join(root, 'evil\x1b[31m.csv'), flow_calling('CaptureName').encode())
    status, out = run(root)
    assert status == 0 and '\x1b' not in out and 'lint evil\\x1b[31m.csv: 0 error(s)' in out
