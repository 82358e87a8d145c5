# -*- coding: utf-8 -*-
"""``install-into``: put the nodes into a solution's ``actions/`` and their settings into its ``PARAMS``.

All or nothing: every check is made and every new text built before the first byte is written, and a
write that fails midway undoes the ones before it. What was installed (version, layout, nodes, a
SHA-256 per file) is recorded in ``braze_install.json`` at the solution's root, outside ``actions/``
(Bot Manager must see nothing there but scripts): a later run upgrades the files it wrote that nobody
changed since, and refuses, with a diff, to replace a changed file or a file of the solution's own
with the same name (compared case-insensitively, as macOS and Windows compare names). ``--force``
replaces them after copying each to ``.braze_backup/<time>/`` at the root (a folder of its own per
run, never through a link, each backup with its file's permissions).
"""
import datetime
import difflib
import glob
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile

from . import appparams, flowfile, flowlint, singlefile
from .bundle import Bundle, BundleError
from .text import printable, read_limited

MANIFEST = 'braze_install.json'
BACKUPS = '.braze_backup'
LAYOUTS = ('modules', 'single-file')
# The partner page's placeholders: a node treats them as unset (a config error naming the setting).
PLACEHOLDERS = {'braze_url': '{ BRAZE ENDPOINT URL }', 'braze_api_key': '{ BRAZE API KEY }'}
MAX_MANIFEST = 1024 * 1024
MAX_SCRIPT = 8 * 1024 * 1024   # far above any node file; a bigger file of that name is not a script
MAX_DIFF_LINES = 120
MAX_FLOWS = 200
# A path the record may name: a script directly in actions/ (a record naming ../app.py is not ours).
SCRIPT_PATH = re.compile(r'^actions/[A-Za-z0-9_]{1,100}\.py\Z')


class InstallError(Exception):
    """The solution cannot take the install: say why; nothing was written."""


def install(root, nodes=None, layout='modules', dry_run=False, force=False, flows=None, out=print, bundle=None):
    """-> exit status (0 installed or nothing to do; 1 refused or impossible, nothing written)."""
    try:
        bundle = bundle or Bundle()
        plan = _Plan(os.path.abspath(root), bundle, nodes, layout, force)
    except (InstallError, BundleError, appparams.AppError) as error:
        out('install-into: {}; nothing written'.format(error))
        return 1
    except OSError as error:  # a folder that cannot be listed, a file that cannot be read
        out('install-into: {} ({}); nothing written'.format(error.filename or root, error.strerror or error))
        return 1
    plan.show(out)
    if plan.refused:
        out('install-into: refused {} file(s) (diff above); nothing written. Keep your version, or run again '
            'with --force to replace them after a backup in {}/'.format(len(plan.refused), BACKUPS))
        return 1
    if dry_run:
        out('dry run: nothing written')
        return 0
    try:
        changed = plan.apply()
    except (InstallError, OSError) as error:
        out('install-into: {}'.format(error))
        return 1
    out('{} pypestream-braze {} ({} layout) in {}'.format(
        'installed' if changed else 'nothing to change: already installed', bundle.version, layout, plan.root))
    _lint_flows(plan.root, flows, out)
    return 0


def _sha(data):
    return hashlib.sha256(data).hexdigest()


class _Plan(object):
    def __init__(self, root, bundle, nodes, layout, force):
        self.root, self.bundle, self.layout, self.force = root, bundle, layout, force
        if layout not in LAYOUTS:
            raise InstallError('--layout must be one of {}'.format(', '.join(LAYOUTS)))
        self.app_path = os.path.join(root, 'app.py')
        self.actions = os.path.join(root, 'actions')
        self._check_target()
        self.app_text = appparams.read(self.app_path)
        self.merge = appparams.merge(self.app_text, PLACEHOLDERS)
        self.record = _read_manifest(os.path.join(root, MANIFEST))
        unknown = [name for name in (nodes or []) if name not in bundle.nodes]
        if unknown:
            raise InstallError('no node named {} (the nodes are {})'.format(', '.join(unknown), ', '.join(bundle.nodes)))
        # nodes installed before stay installed (their helpers must be of one version); one this
        # version no longer ships is dropped, and its files removed like any other left-over
        earlier = [name for name in self.record.get('nodes', []) if name in bundle.nodes]
        self.nodes = sorted(set(nodes or bundle.nodes) | set(earlier))
        self.stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
        self.writes, self.removes, self.backups = {}, [], {}
        self.status, self.refused, self.files = [], [], {}
        self._plan_files()

    def _check_target(self):
        if not os.path.isdir(self.root):
            raise InstallError('{} is not a directory'.format(self.root))
        if not os.path.lexists(self.app_path):
            raise InstallError('{} has no app.py: point install-into at a solution folder'.format(self.root))
        if os.path.islink(self.app_path) or not os.path.isfile(self.app_path):
            raise InstallError('app.py is not a regular file (a link or a folder): it is edited in place')
        if os.path.islink(self.actions) or not os.path.isdir(self.actions):
            what = 'a link' if os.path.islink(self.actions) else 'missing or not a folder'
            raise InstallError('actions/ is {}: install-into writes only into a real actions/ folder'.format(what))
        if os.path.realpath(self.actions) == os.path.realpath(self.bundle.folder):
            raise InstallError('{} is where the nodes come from, not a solution to install into'.format(self.root))

    def _wanted(self):
        if self.layout == 'modules':
            names = self.bundle.closure(self.nodes)
            return {name + '.py': self.bundle.sources[name].encode('utf-8') for name in names}
        return {name + '.py': singlefile.generate(self.bundle, name).encode('utf-8') for name in self.nodes}

    def _plan_files(self):
        present = {}
        for entry in os.listdir(self.actions):
            present.setdefault(entry.lower(), []).append(entry)
        recorded = self.record.get('files', {})
        same_install = (self.record.get('version') == self.bundle.version
                        and self.record.get('layout') == self.layout)
        wanted = self._wanted()
        for name, data in sorted(wanted.items()):
            found = present.get(name.lower(), [])
            if not found:
                self._write(name, data, 'new')
                continue
            if len(found) > 1:
                self._conflict(name, found, data, 'several files whose names differ only in case')
                continue
            existing = found[0]
            current = self._read(existing)
            ours = recorded.get('actions/' + existing)
            if current == data and existing == name:
                self.status.append(('unchanged', name))
                self.files[name] = _sha(data)
            elif ours is not None and _sha(current) == ours:
                if existing != name:
                    self.removes.append(existing)
                self._write(name, data, 'upgraded' if current != data else 'renamed')
            elif ours is not None and same_install and not self.force:
                self.status.append(('kept, changed since it was installed: not replaced', existing))
                self.files[existing] = ours
            elif ours is not None:
                self._conflict(name, [existing], data, 'changed since install-into wrote it')
            else:
                why = 'a file of the solution with the same name' + (
                    ' ({} differs only in case)'.format(existing) if existing != name else '')
                self._conflict(name, [existing], data, why)
        for path, digest in sorted(recorded.items()):
            name = path.split('/', 1)[-1]
            if name in wanted or name.lower() in {n.lower() for n in wanted}:
                continue
            full = os.path.join(self.actions, name)
            if not os.path.lexists(full):
                continue
            current = self._read(name)
            if _sha(current) == digest:
                self.removes.append(name)
                self.status.append(('removed (no longer part of this install)', name))
            elif self.force:
                self.backups[name] = current
                self.removes.append(name)
                self.status.append(('removed, was changed (backup kept)', name))
            else:
                self.refused.append((name, 'changed since install-into wrote it, and no longer installed',
                                     _diff(name, current, b'')))

    def _read(self, name):
        path = os.path.join(self.actions, name)
        if os.path.islink(path) or not os.path.isfile(path):
            raise InstallError('actions/{} is not a regular file (a link or a folder): move it away first'.format(name))
        data, problem = read_limited(path, MAX_SCRIPT)
        if problem:
            raise InstallError('actions/{} {}: not a script; move it away first'.format(name, problem))
        return data

    def _write(self, name, data, why):
        self.writes[name] = data
        self.files[name] = _sha(data)
        self.status.append((why, name))

    def _conflict(self, name, existing, data, why):
        currents = [(entry, self._read(entry)) for entry in existing]
        if not self.force:
            for entry, current in currents:
                self.refused.append((entry, why, _diff(entry, current, data)))
            return
        for entry, current in currents:
            self.backups[entry] = current
            if entry != name:
                self.removes.append(entry)
        self._write(name, data, 'replaced: {} (backup kept)'.format(why))

    def show(self, out):
        for name, why, diff in self.refused:
            out('refused: actions/{}: {}'.format(name, why))
            out(diff)
        if self.merge.text != self.app_text:
            out(_diff('app.py', self.app_text.encode('utf-8'), self.merge.text.encode('utf-8')))
        if self.merge.manual:
            out('app.py was not edited where its PARAMS is not a plain literal; add these lines to {}:'.format(
                'each environment block' if any(env is None for env, _ in self.merge.manual) else 'the blocks named'))
            for env, line in self.merge.manual:
                out('  {}{}'.format('[{}] '.format(env) if env else '', line))
        for why, name in self.status:
            out('  actions/{}: {}'.format(name, why))
        if not os.path.exists(os.path.join(self.actions, '__init__.py')):
            out('  actions/__init__.py: new (empty; makes actions/ a package)')
        if self.backups:
            out('  backups go to {}/{}/actions/'.format(BACKUPS, self.stamp))

    def apply(self):
        changes = [(os.path.join(self.actions, name), None) for name in self.removes]
        changes += [(os.path.join(self.actions, name), data) for name, data in sorted(self.writes.items())]
        init = os.path.join(self.actions, '__init__.py')
        created = [path for path in self.record.get('created', []) if path == INIT]
        if not os.path.exists(init):
            changes.append((init, b''))
            created = [INIT]
        if self.merge.text != self.app_text:
            changes.append((self.app_path, self.merge.text.encode('utf-8')))
        added = [pair for pair in self.record.get('settings_added', []) if _setting_pair(pair)]
        added += [[env, key] for env, key in self.merge.added if [env, key] not in added]
        # What uninstall-from needs to leave the solution as it found it: the files (with the digest of
        # what was written), the __init__.py it created, the placeholder lines it added to PARAMS.
        manifest = {'installed_by': 'local-pypestream install-into', 'version': self.bundle.version,
                    'layout': self.layout, 'nodes': self.nodes,
                    'files': {'actions/' + name: digest for name, digest in sorted(self.files.items())},
                    'created': created, 'settings_added': added}
        changes.append((os.path.join(self.root, MANIFEST), (json.dumps(manifest, indent=2) + '\n').encode('utf-8')))
        # (path, new bytes, bytes there now): each file read once, to skip what would not change
        # and to put back what was there if a later write fails
        changes = [(path, data, before) for path, data, before in ((p, d, _content(p)) for p, d in changes)
                   if before != data]
        if changes:
            self._keep_backups()
            _apply_all(changes)
        return len(changes)

    def _keep_backups(self):
        keep_backups(self.root, self.actions, self.stamp, self.backups)


def keep_backups(root, actions, stamp, backups):
    """Copy each of ``backups`` ({name: bytes} of actions/) into .braze_backup/<stamp>/actions/ before
    anything is replaced or removed; InstallError (nothing changed yet) when that cannot be done."""
    if backups:
        top = os.path.join(root, BACKUPS)
        if os.path.islink(top) or (os.path.lexists(top) and not os.path.isdir(top)):
            raise InstallError('{}/ is a link or not a folder: backups are written only into a real {}/ of the '
                               'solution; move it away first. Nothing replaced'.format(BACKUPS, BACKUPS))
        try:
            os.makedirs(top, exist_ok=True)
            run = _new_folder(top, stamp)  # a folder of its own: two runs in one second never share one
            folder = os.path.join(run, 'actions')
            os.mkdir(folder)
            for name, data in backups.items():
                _put(os.path.join(folder, name), data, _mode(os.path.join(actions, name)))
        except OSError as error:
            raise InstallError('could not keep a backup in {} ({}): nothing replaced'.format(
                printable(top), error.strerror or error))


INIT = 'actions/__init__.py'


def _setting_pair(pair):
    return isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) \
        and pair[1] in PLACEHOLDERS


def _content(path):
    """The bytes at ``path``, or None when there is no file."""
    if not os.path.exists(path):
        return None
    with open(path, 'rb') as handle:
        return handle.read()


def _mode(path):
    """The permission bits of the file at ``path``, or None when there is none."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _new_folder(parent, name):
    """A folder made here for this run only: ``name``, else ``name-2``, ``name-3``..."""
    for number in range(1, 1000):
        path = os.path.join(parent, name if number == 1 else '{}-{}'.format(name, number))
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
    raise InstallError('{} holds a thousand backups of this second: clear it out'.format(printable(parent)))


def _apply_all(changes):
    """Write or delete each (path, data, before); on a failure, put back every path already changed,
    with the permissions it had."""
    done = []
    try:
        for path, data, before in changes:
            mode = _mode(path)
            _put(path, data)
            done.append((path, before, mode))
    except OSError as error:
        for path, before, mode in reversed(done):
            try:
                _put(path, before, mode)
            except OSError:
                pass
        raise InstallError('could not write {} ({}): every change undone'.format(
            printable(path), error.strerror or type(error).__name__))


def _put(path, data, mode=None):
    """Write ``data`` at ``path`` whole or not at all (None: remove it), with ``mode``, else the
    permissions of the file it replaces, else the folder's usual ones."""
    if data is None:
        if os.path.exists(path):
            os.remove(path)
        return
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(prefix='.install-', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        elif os.path.exists(path):
            shutil.copymode(path, temporary)
        else:  # mkstemp makes the file private; a new script gets the folder's usual permissions
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _read_manifest(path):
    if not os.path.lexists(path):
        return {}
    problem = 'is not install-into\'s record ({}): move it away to install afresh'
    if os.path.islink(path) or not os.path.isfile(path):
        raise InstallError('{} {}'.format(MANIFEST, problem.format('not a regular file')))
    with open(path, 'rb') as handle:
        data = handle.read(MAX_MANIFEST + 1)
    try:
        record = json.loads(data.decode('utf-8'))
    except (ValueError, RecursionError):
        raise InstallError('{} {}'.format(MANIFEST, problem.format('not JSON')))
    files = record.get('files') if isinstance(record, dict) else None
    valid = (len(data) <= MAX_MANIFEST and isinstance(files, dict)
             and isinstance(record.get('version'), str) and record.get('layout') in LAYOUTS
             and isinstance(record.get('nodes'), list) and all(isinstance(n, str) for n in record['nodes'])
             and all(isinstance(k, str) and SCRIPT_PATH.match(k) and isinstance(v, str) for k, v in files.items()))
    if not valid:
        raise InstallError('{} {}'.format(MANIFEST, problem.format('its fields are not the ones it writes')))
    return record


def _regular(path):
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _diff(name, before, after):
    lines = list(difflib.unified_diff(before.decode('utf-8', 'replace').splitlines(True),
                                      after.decode('utf-8', 'replace').splitlines(True),
                                      'a/' + name, 'b/' + name))
    shown = lines[:MAX_DIFF_LINES]
    # the solution's own text is data: no escape sequence or forged line reaches the terminal
    text = ''.join('\t'.join(printable(part) for part in line.rstrip('\r\n').split('\t')) + '\n' for line in shown)
    if len(lines) > len(shown):
        text += '... {} more diff lines not shown\n'.format(len(lines) - len(shown))
    return text.rstrip('\n')


def _lint_flows(root, pattern, out):
    """Lint the solution's flows against its own actions/ (findings do not change the exit status)."""
    if pattern:
        paths = sorted(glob.glob(pattern, recursive=True))
    else:
        paths = []
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith('.') and d != 'node_modules')
            paths.extend(os.path.join(folder, name) for name in sorted(names) if name.lower().endswith('.csv'))
    for path in paths[:MAX_FLOWS]:
        name = printable(os.path.relpath(path, root))  # a file name is the solution's text: no escape codes
        if not _regular(path):  # a FIFO or a device named *.csv would block the read
            out('lint {}: not a regular file, not read'.format(name))
            continue
        problems = flowlint.lint(flowfile.read(path), os.path.join(root, 'actions'))
        errors = [p for p in problems if p.level == 'error']
        out('lint {}: {} error(s), {} warning(s)'.format(name, len(errors), len(problems) - len(errors)))
    if len(paths) > MAX_FLOWS:
        out('lint: {} more CSV files not checked'.format(len(paths) - MAX_FLOWS))
