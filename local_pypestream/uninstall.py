# -*- coding: utf-8 -*-
"""``uninstall-from``: take out exactly what install-into put in, as its record (``braze_install.json``)
says: the files it wrote, the ``actions/__init__.py`` it created, the placeholder lines it added to
``PARAMS`` (only where they still hold the placeholders), and the record itself. A file the solution
changed since is refused with a diff, unless ``--force`` (a backup first, as install-into keeps one).
All or nothing; every other byte of the solution stays as it is. The flows are linted after, and
every row that still calls a removed node is named.
"""
import datetime
import io
import os

from . import appparams, flowfile
from .install import (BACKUPS, INIT, MANIFEST, PLACEHOLDERS, InstallError, _apply_all, _content, _diff,
                      _read_manifest, _regular, _setting_pair, _sha, keep_backups)
from .text import printable, read_limited

MAX_FLOWS = 200


def uninstall(root, dry_run=False, force=False, out=print):
    """-> exit status (0 removed or nothing installed; 1 refused or impossible, nothing removed)."""
    root = os.path.abspath(root)
    try:
        plan = _Plan(root, force)
    except (InstallError, appparams.AppError) as error:
        out('uninstall-from: {}; nothing removed'.format(error))
        return 1
    except OSError as error:
        out('uninstall-from: {} ({}); nothing removed'.format(error.filename or root, error.strerror or error))
        return 1
    plan.show(out)
    if plan.refused:
        out('uninstall-from: refused {} changed file(s) (diff above); nothing removed. Keep them, or run again '
            'with --force to remove them after a backup in {}/'.format(len(plan.refused), BACKUPS))
        return 1
    if dry_run:
        out('dry run: nothing removed')
        return 0
    try:
        keep_backups(root, os.path.join(root, 'actions'), plan.stamp, plan.backups)
        _apply_all(plan.changes)
    except (InstallError, OSError) as error:
        out('uninstall-from: {}'.format(error))
        return 1
    out('removed pypestream-braze from {}'.format(printable(root)))
    _calls_left(root, plan.nodes, out)
    return 0


class _Plan(object):
    def __init__(self, root, force):
        if not os.path.isdir(root) or not os.path.isdir(os.path.join(root, 'actions')) or \
                os.path.islink(os.path.join(root, 'actions')):
            raise InstallError('{} is not a solution folder with a real actions/'.format(printable(root)))
        record_path = os.path.join(root, MANIFEST)
        if not os.path.lexists(record_path):
            raise InstallError('{} holds no {}: nothing was installed here by install-into'.format(
                printable(root), MANIFEST))
        record = _read_manifest(record_path)
        self.nodes = list(record['nodes'])
        self.stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
        self.refused, self.backups, self.status, self.kept_lines = [], {}, [], []
        changes = []
        for path, digest in sorted(record['files'].items()):
            full = os.path.join(root, path)
            if not os.path.lexists(full):
                continue
            if os.path.islink(full) or not _regular(full):
                raise InstallError('{} is not a regular file (a link or a folder): move it away first'.format(path))
            data, problem = read_limited(full, 8 * 1024 * 1024)
            if problem:
                raise InstallError('{} {}'.format(path, problem))
            if _sha(data) != digest:
                if not force:
                    self.refused.append((path, _diff(path, data, b'')))
                    continue
                self.backups[path.split('/', 1)[1]] = data
                self.status.append(('removed, was changed (backup kept)', path))
            else:
                self.status.append(('removed', path))
            changes.append(full)
        for path in record.get('created', []):
            full = os.path.join(root, path)
            if path == INIT and _content(full) == b'':  # still as install-into wrote it
                changes.append(full)
                self.status.append(('removed (install-into created it)', path))
        self.app_path = os.path.join(root, 'app.py')
        self.app_text = appparams.read(self.app_path)
        added = [pair for pair in record.get('settings_added', []) if _setting_pair(pair)]
        self.app_new, self.kept_lines = _without_placeholders(self.app_text, added)
        self.changes = [(path, None, _content(path)) for path in changes]
        if self.app_new != self.app_text:
            self.changes.append((self.app_path, self.app_new.encode('utf-8'), self.app_text.encode('utf-8')))
        self.changes.append((record_path, None, _content(record_path)))

    def show(self, out):
        for path, diff in self.refused:
            out('refused: {}: changed since install-into wrote it'.format(path))
            out(diff)
        if self.app_new != self.app_text:
            out(_diff('app.py', self.app_text.encode('utf-8'), self.app_new.encode('utf-8')))
        for why, path in self.status:
            out('  {}: {}'.format(path, why))
        for env, line in self.kept_lines:
            out('app.py keeps, in {}: {} (no longer a placeholder: remove it by hand if no node reads it)'.format(
                printable(env), printable(line)))


def _without_placeholders(text, added):
    """app.py without the lines install-into added that still hold the placeholders, and the settings it
    added whose value someone has changed since (kept, and said)."""
    wanted = {key for _, key in added}
    if not wanted:
        return text, []
    bom = appparams.BOM if text.startswith(appparams.BOM) else ''
    lines = io.StringIO(text[len(bom):], newline='').readlines()
    kept, result = [], []
    for line in lines:
        stripped = line.strip()
        key = next((k for k in wanted if stripped.startswith(repr(k) + ':')), None)
        if key is not None and stripped == '{!r}: {!r},'.format(key, PLACEHOLDERS[key]):
            continue
        if key is not None:
            kept.append(('PARAMS', stripped))
        result.append(line)
    return bom + ''.join(result), kept


def _calls_left(root, nodes, out):
    """Every row of the solution's flows that still calls a removed node."""
    count = 0
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith('.'))
        for name in sorted(names):
            path = os.path.join(folder, name)
            if not name.lower().endswith('.csv') or not _regular(path) or count >= MAX_FLOWS:
                continue
            count += 1
            for node in sorted(flowfile.read(path).nodes.values(), key=lambda n: n.line):
                if node.cell('Command') in nodes:
                    out('{}: node {} still calls {}, which is no longer installed'.format(
                        printable(os.path.relpath(path, root)), node.number, node.cell('Command')))
