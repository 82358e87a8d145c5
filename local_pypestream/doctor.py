# -*- coding: utf-8 -*-
"""``doctor``: is a solution ready to go live? For each environment block of its ``PARAMS`` and the nodes
installed there, offline checks of every setting the nodes read, then one call per permission the
nodes need that changes nothing and sends nothing (docs/doctor.md has each probe and why it is harmless).

Braze's "API basics" page says it checks the key, then the key's permission; that it checks the body
only after both is **our inference**, and it is what makes a body Braze refuses (400) a proof that the
key holds the permission. Braze answers 401 for a wrong key, a key of another instance, and (its errors
page today) insufficient permissions: so a 401 where another probe of the same key passed is read as a
missing permission. Never the key, never a personal value in any line.
"""
import collections
import io
import json
import os
import stat
import time
import uuid

from . import declared, flowfile
from .text import printable

Check = collections.namedtuple('Check', 'env check status detail fix')
KEY_PAGE = ('create a REST API key for this environment with {} (Settings > APIs and Identifiers > API Keys; a key '
            'cannot be edited, so a new permission means a new key) and write it as braze_api_key')
PLACEHOLDER_PREFIX = '{'
NAMED = {'BrazeCanvasTrigger': ('canvas', 'braze_canvases', 'canvases'),
         'BrazeCampaignTrigger': ('campaign', 'braze_campaigns', 'campaigns'),
         'BrazeSubscriptionSet': ('group', 'braze_subscription_groups', 'subscription_groups')}


def probe_body(permission, name):
    """The request that proves ``permission`` and changes nothing: (body, how a pass is recognised)."""
    unknown = 'pypestream-doctor-{}'.format(name)
    alias = {'alias_name': unknown, 'alias_label': 'pypestream_doctor'}
    return {
        # an unknown external_id: Braze lists it in invalid_user_ids
        'users.export.ids': ({'external_ids': [unknown], 'fields_to_export': ['external_id']}, (201,)),
        # an alias that matches nobody: Braze answers 201 and nothing happens (its identify page)
        'users.identify': ({'aliases_to_identify': [{'external_id': unknown, 'user_alias': alias}]}, (201,)),
        # an alias for an unknown external_id is added to nobody (never without one: that creates a user)
        'users.alias.new': ({'user_aliases': [dict(alias, external_id=unknown)]}, (201,)),
        # bodies Braze refuses (400) after its key and permission checks (inferred order)
        'users.track': ({}, (400,)),
        'users.merge': ({'merge_updates': 'none'}, (400,)),
        'canvas.trigger.send': ({}, (400,)),
        'campaigns.trigger.send': ({}, (400,)),
    }.get(permission, ({}, (400,)))


class Doctor(object):
    def __init__(self, root, app, envs=None, send_probes=False):
        self.root, self.app, self.send_probes = root, app, send_probes
        self.package = declared.package()
        self.nodes = declared.nodes()
        self.installed = self._installed()
        self.envs = envs
        self.found = []

    # --- what is installed, and what the flows name ------------------------------------------------
    def _installed(self):
        try:
            with open(os.path.join(self.root, 'braze_install.json'), encoding='utf-8') as handle:
                names = json.load(handle).get('nodes')
            if isinstance(names, list):
                return [self.nodes[name] for name in names if name in self.nodes]
        except (OSError, ValueError, AttributeError):
            pass
        present = set(os.listdir(os.path.join(self.root, 'actions')))
        return [node for name, node in self.nodes.items() if name + '.py' in present]

    def _flow_names(self):
        """{(node name, Canvas/campaign/group name)} the solution's flows use, literally written."""
        found = set()
        for folder, subfolders, files in os.walk(self.root):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith('.'))
            for name in sorted(files):
                path = os.path.join(folder, name)
                if not name.lower().endswith('.csv') or len(found) > 10000:
                    continue
                try:
                    regular = stat.S_ISREG(os.lstat(path).st_mode)
                except OSError:
                    regular = False
                if regular:
                    found.update(_names_in(flowfile.read(path)))
        return found

    # --- the checks ---------------------------------------------------------------------------------
    def add(self, env, check, status, detail, fix=''):
        self.found.append(Check(env, check, status, detail, fix))

    def run(self):
        params = getattr(self.app, 'PARAMS', None)
        if self.package is None or not isinstance(params, dict):
            self.add('-', 'params', 'FAIL', 'app.PARAMS is missing or not a dict' if self.package else
                     'the node package could not be loaded', 'assign PARAMS = {"sandbox": {...}, "live": {...}}')
            return self.found
        if not self.installed:
            self.add('-', 'nodes', 'FAIL', 'no Braze node is installed in actions/', 'run install-into first')
            return self.found
        envs = self.envs or [env for env, block in params.items() if isinstance(block, dict)]
        names = self._flow_names()
        for env in envs:
            block = _block(params, env, self.package.braze_conventions)
            if block is None:
                self.add(env, 'params', 'FAIL', 'PARAMS has no block for {}'.format(printable(env)[:40]),
                         'add one, or name an environment PARAMS has with --env')
                continue
            self._environment(env, block, names)
        return self.found

    def _environment(self, env, block, names):
        settings = self.package.braze_settings
        calls = [node for node in self.installed if node.endpoints]
        url_ok = key_ok = not calls
        if calls:
            url_ok = self._setting(env, block, 'braze_url', ('braze_url', 'braze_allowed_host'),
                                   'your REST endpoint, e.g. https://rest.iad-01.braze.com (Braze\'s "API and SDK '
                                   'endpoints" page)')
            key_ok = self._setting(env, block, 'braze_api_key', ('braze_api_key',),
                                   'the REST API key of this environment\'s workspace')
            key = block.get('braze_api_key')
            if key_ok and any(quote in key for quote in '"\''):
                self.found[-1] = Check(env, 'braze_api_key', 'FAIL', 'braze_api_key holds a quote character',
                                       'copy the key alone, without quotes')
                key_ok = False
            others = [name for name in self.package.braze_declarations.TRANSPORT_SETTINGS
                      if name not in ('braze_url', 'braze_api_key', 'braze_allowed_host')]
            self._setting(env, block, 'settings:transport', others, 'as the line says (README, Configuration)')
        for node in self.installed:
            if node.settings:
                self._setting(env, block, 'settings:' + node.name, node.settings,
                              'as the line says (README, {})'.format(node.name))
        maps = {}
        for node_name, (what, setting, attribute) in NAMED.items():
            mapping = _quiet(lambda: getattr(settings.Settings(block, [setting]), attribute))
            if mapping is not None:
                maps[node_name] = mapping
        for node_name, name in sorted(names):
            if node_name not in NAMED or node_name not in {n.name for n in self.installed}:
                continue
            what, setting, attribute = NAMED[node_name]
            mapping = maps.get(node_name)
            if mapping is None:
                continue  # the setting itself failed above
            if name in mapping:
                self.add(env, '{}:{}'.format(what, name), 'ok', 'configured in {}'.format(setting))
            else:
                self.add(env, '{}:{}'.format(what, name), 'FAIL', 'a flow uses {} "{}", which {} of {} does not '
                         'name (known: {})'.format(what, printable(name)[:80], setting, env,
                                                   ', '.join(sorted(mapping)) or 'none'),
                         'add "{}": "<id>" to {} in the {} block'.format(printable(name)[:80], setting, env))
        if calls and url_ok and key_ok:
            self._online(env, block, calls, maps)
        elif calls:
            self.add(env, 'online', 'skip', 'Braze not asked: braze_url or braze_api_key is not usable', '')

    def _setting(self, env, block, check, names, fix):
        settings = self.package.braze_settings
        value = block.get(names[0]) if check == names[0] else None
        if check == names[0] and (value is None or (isinstance(value, str) and not value.strip())):
            self.add(env, check, 'FAIL', '{} is not set'.format(check), 'write ' + fix)
            return False
        if isinstance(value, str) and value.strip().startswith(PLACEHOLDER_PREFIX) and value.strip().endswith('}'):
            self.add(env, check, 'FAIL', '{} is still the placeholder {}'.format(check, printable(value)[:40]),
                     'write ' + fix)
            return False
        try:
            checked = settings.Settings(block, names)
        except settings.SettingsError as problem:
            self.add(env, check, 'FAIL', printable(str(problem))[:300], fix)
            return False
        detail = {'braze_url': lambda: '{}://{}'.format(checked.base.scheme, checked.base.host) + (
            ':{}'.format(checked.base.port) if checked.base.port else ''),
                  'braze_api_key': lambda: 'set ({} characters)'.format(len(checked.api_key))}.get(
            check, lambda: 'valid')()
        self.add(env, check, 'ok', detail)
        return True

    def _online(self, env, block, calls, maps):
        settings_module, wire = self.package.braze_settings, self.package.braze_wire
        settings = settings_module.Settings(block, self.package.braze_declarations.TRANSPORT_SETTINGS)
        transport = wire.adapter(settings)
        needed = collections.OrderedDict()
        for node in calls:
            for endpoint in node.endpoints:
                needed.setdefault(endpoint.permission, (endpoint, []))[1].append(node.name)
        answers, limits = collections.OrderedDict(), collections.OrderedDict()
        for permission, (endpoint, users) in needed.items():
            body, passing = probe_body(permission, uuid.uuid4().hex[:16])
            answer = self._post(settings, transport, endpoint.path, body)
            if isinstance(answer, str):  # the host did not answer: one line, no more calls
                self.add(env, 'online', 'FAIL', answer, 'check braze_url and that this machine reaches it')
                return
            answers[permission] = (answer, passing, users)
            limit = answer.headers.get('X-RateLimit-Limit')
            if limit:
                limits[endpoint.path] = limit
        key_works = any(answer.status in passing for answer, passing, _ in answers.values())
        for permission, (answer, passing, users) in answers.items():
            self._verdict(env, permission, answer, passing, users, key_works)
        if limits:
            self.add(env, 'rate_limit', 'ok', 'X-RateLimit-Limit: ' + ', '.join(
                '{} {}'.format(path, printable(limit)[:20]) for path, limit in limits.items()))
        if self.send_probes:
            self._send_probes(env, settings, transport, calls, maps)

    def _post(self, settings, transport, path, body):
        wire = self.package.braze_wire
        deadline = time.monotonic() + settings.deadline
        try:
            return wire.post(transport, settings.url(path, wire.agrees), settings.api_key,
                             json.dumps(body).encode('utf-8'), (settings.connect_timeout, settings.read_timeout),
                             deadline)
        except wire.WireError as failure:
            return 'Braze did not answer at {}: {}'.format(settings.base.host, printable(str(failure))[:200])

    def _verdict(self, env, permission, answer, passing, users, key_works):
        check = 'permission:' + permission
        nodes = ', '.join(users)
        if answer.status in passing:
            how = 'Braze took the probe' if answer.status < 300 else 'Braze refused the probe\'s body: key and ' \
                'permission passed (by our inference of the order of Braze\'s checks)'
            self.add(env, check, 'ok', '{} ({}, needed by {})'.format(how, answer.status, nodes))
        elif answer.status == 403 or (answer.status == 401 and key_works):
            self.add(env, check, 'FAIL', 'the key lacks {} (Braze answered {}), which {} need{}'.format(
                permission, answer.status, nodes, 's' if len(users) == 1 else ''), KEY_PAGE.format(permission))
        elif answer.status == 401:
            self.add(env, check, 'FAIL', 'Braze refused the key (401): a key of another workspace, or braze_url is '
                     'not the REST endpoint of the key\'s instance', 'check both against the dashboard: Settings > '
                     'APIs and Identifiers, and Braze\'s "API and SDK endpoints" page')
        else:
            self.add(env, check, 'FAIL', 'Braze answered {} to the probe ({})'.format(
                answer.status, printable(json.dumps(answer.body))[:120] if answer.body is not None else 'no JSON'),
                'check braze_url; if it is right, Braze may have changed this endpoint')

    def _send_probes(self, env, settings, transport, calls, maps):
        for node in calls:
            if node.name not in ('BrazeCanvasTrigger', 'BrazeCampaignTrigger'):
                continue
            what, setting, attribute = NAMED[node.name]
            endpoint = node.endpoints[0]
            for name, target in sorted(maps.get(node.name, {}).items()):
                body = {what + '_id': target, 'broadcast': False, 'recipients': [
                    {'external_user_id': 'pypestream-doctor-' + uuid.uuid4().hex[:16], 'send_to_existing_only': True}]}
                answer = self._post(settings, transport, endpoint.path, body)
                check = '{}:{}'.format(what, name)
                if isinstance(answer, str):
                    self.add(env, check, 'FAIL', answer, 'check braze_url')
                elif answer.status == 201 and isinstance(answer.body, dict) and answer.body.get('notice'):
                    self.add(env, check, 'FAIL', 'Braze took the send but says: {}'.format(
                        printable(str(answer.body['notice']))[:200]), 'resume (or unarchive) it in the dashboard')
                elif answer.status == 201:
                    self.add(env, check, 'ok', 'a real send to an unknown recipient was taken (201) and is cancelled '
                             'by Braze; it leaves a dispatch in Braze\'s analytics')
                else:
                    self.add(env, check, 'FAIL', 'Braze answered {} to a send to {} "{}"'.format(
                        answer.status, what, printable(name)[:80]),
                        'check the id in {} of {}: an API-triggered {} of this workspace'.format(setting, env, what))


def _quiet(build):
    try:
        return build()
    except Exception:  # each setting was judged, and said, above
        return None


def _block(params, env, conventions):
    for name in conventions.environment_blocks(env.strip().lower()):
        if isinstance(params.get(name), dict):
            return params[name]
    return None


def _names_in(flow):
    for node in flow.nodes.values():
        command = node.cell('Command')
        if command not in NAMED:
            continue
        try:
            data = flowfile.lenient_json(node.cell('Parameter Input') or '{}')
        except ValueError:
            continue
        value = data.get(NAMED[command][0]) if isinstance(data, dict) else None
        if isinstance(value, str) and value and not value.strip().startswith('{'):
            yield command, value


def render(found, as_json=False):
    if as_json:
        return json.dumps([dict(check._asdict()) for check in found], indent=2)
    out = io.StringIO()
    for check in found:
        out.write('{:<4} {} {}: {}{}\n'.format(check.status, printable(check.env)[:40], check.check, check.detail,
                                               ' -- fix: ' + check.fix if check.fix else ''))
    return out.getvalue().rstrip('\n')


def exit_status(found):
    return 0 if found and all(check.status in ('ok', 'skip') for check in found) else 1

