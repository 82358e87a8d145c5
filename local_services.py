# -*- coding: utf-8 -*-
"""Development only: what joins the Pypestream stand-in (local_pypestream) to the Braze one
(local_braze). Neither imports the other; local_pypestream imports this module when it exists.

When the environment's PARAMS block has no braze_url (no BRAZE_URL / BRAZE_<ENV>_URL set), an
embedded local_braze serves the nodes, and the profiles it holds are printed at the end.
``LOCAL_BRAZE_FAULTS`` (e.g. ``503x20``, comma-separated) queues faults in it, to rehearse an outage;
``LOCAL_BRAZE_SEED`` names a JSON file holding a /users/track body applied to it first (customers a
demo flow looks up: examples/flows/demo_profiles.json).
The embedded block also names a demo Canvas, campaign and SMS subscription group (``DEMO_NAMES``)
unless it names its own.
A block without ``braze_link_secrets`` gets a made-up development secret (``DEV_LINK_SECRETS``), so
``python -m local_pypestream link`` and a flow with BrazeVerifyLink work with no set-up.

``python -m local_pypestream link --uid ID`` prints a link signed the way the README's Liquid recipe
signs one, from the environment's settings.
"""
import contextlib
import json
import os
import sys
import time
from urllib.parse import quote_plus, urlsplit, urlunsplit

from local_pypestream.solution import load_module


# Canvas and campaign names the embedded emulator's block knows, for the examples.
DEMO_NAMES = {'braze_canvases': {'welcome_back': 'local-canvas-welcome-back'},
              'braze_campaigns': {'chat_follow_up': 'local-campaign-chat-follow-up'},
              'braze_subscription_groups': {'sms_offers': '5ca1ab1e-0000-4000-8000-00000000005a'}}
# Not a secret: a made-up signing secret for local development only, never for a real workspace.
DEV_LINK_SECRETS = {'local-dev': 'local-development-link-secret-not-for-production'}
DEFAULT_PAGE = 'https://www.example.com/chat'


def _unreachable(lines):
    """A line saying Braze could not be reached, when a node's log says so (not a 5xx: an answer)."""
    found = [line for line in lines if 'could not connect to Braze' in line or 'could not resolve' in line]
    return ['Braze could not be reached ({}): check braze_url, or unset it for the embedded emulator'.format(
        found[0][:300])] if found else []


class _Real(object):
    banner = None
    problems = staticmethod(_unreachable)

    @staticmethod
    def report():
        return None


class _Embedded(object):
    problems = staticmethod(_unreachable)

    def __init__(self, braze):
        self.braze = braze
        self.banner = ('using the embedded Braze emulator at {} (set BRAZE_URL and BRAZE_API_KEY for a real '
                       'workspace)'.format(braze.url))

    def report(self):
        return 'Braze emulator now holds:\n' + json.dumps(self.braze.profiles(), indent=2, sort_keys=True)


@contextlib.contextmanager
def start(app, env):
    block = _block(app, env)
    if block is not None:
        _dev_link_secrets(block)
    placeholders = block is not None and _placeholder(block.get('braze_url'))
    if block is None or (block.get('braze_url') and not placeholders):
        yield _Real()
        return
    import local_braze  # development package, needed only when no real Braze is configured
    with local_braze.running() as braze:
        seed = os.environ.get('LOCAL_BRAZE_SEED')
        if seed:
            _seed(braze, seed)
        for spec in filter(None, os.environ.get('LOCAL_BRAZE_FAULTS', '').split(',')):
            braze.faults.parse(spec)
        block.update(braze_url=braze.url, braze_api_key=braze.api_key)
        for name, mapping in DEMO_NAMES.items():
            block.setdefault(name, mapping)
        session = _Embedded(braze)
        if placeholders:  # a solution install-into filled: rehearse it here, and say so
            session.banner = ('braze_url/braze_api_key are the placeholders: using the embedded emulator at {} (write '
                              'your REST endpoint and key in PARAMS for a real workspace)'.format(braze.url))
        yield session


def _block(app, env):
    """The PARAMS block the nodes will read for ``env`` (prod/live aliases included), created
    empty when there is none so the emulator can fill it."""
    if not isinstance(getattr(app, 'PARAMS', None), dict):
        return None
    env = env.strip().lower()
    for name in ENVIRONMENTS.get(env, (env,)):
        if isinstance(app.PARAMS.get(name), dict):
            return app.PARAMS[name]
    return app.PARAMS.setdefault(env, {})


# The PARAMS blocks a context['env'] finds, as the nodes look them up (braze_conventions; kept here
# so that this works on a solution whatever layout its nodes were installed in).
_LIVE = ('live', 'prod', 'production')
ENVIRONMENTS = {'sandbox': ('sandbox',), 'live': _LIVE, 'prod': ('prod',) + _LIVE,
                'production': ('production',) + _LIVE}


def _seed(braze, path):
    """Apply a /users/track body to the emulator, as Braze would take it (its answer is checked)."""
    with open(path, encoding='utf-8') as handle:
        body = handle.read().encode('utf-8')
    status, answer, _, _ = braze.answer('/users/track', braze.api_key, 'application/json', body)
    if status != 201 or answer.get('errors'):
        raise ValueError('LOCAL_BRAZE_SEED {} was refused: {}'.format(path, json.dumps(answer)[:200]))


def _placeholder(value):
    """The partner page's placeholders ({ BRAZE ENDPOINT URL }) that install-into writes."""
    return isinstance(value, str) and value.strip().startswith('{') and value.strip().endswith('}')


def _dev_link_secrets(block):
    if not block.get('braze_link_secrets'):
        block['braze_link_secrets'] = dict(DEV_LINK_SECRETS)


# --- python -m local_pypestream link ----------------------------------------------------------------

def _link_arguments(parser):
    parser.add_argument('--uid', required=True, help="the customer's Braze external_id")
    parser.add_argument('--cohort', default='', help='an optional cohort the link carries (signed too)')
    parser.add_argument('--ttl', type=int, default=3600, help='seconds until the link expires (default 3600)')
    parser.add_argument('--kid', help='which secret of braze_link_secrets signs it (default: the first)')
    parser.add_argument('--base', default=DEFAULT_PAGE, help='the page that hosts the chat')


def _link(args, app):
    """Print a signed link for the environment's settings; exit 2 with the reason when it cannot."""
    try:
        # The node's own module holds what it signs with, in either layout install-into writes.
        node = load_module('actions.BrazeVerifyLink')
        settings_module, links, declarations = node.braze_settings, node.links, node.declarations
    except Exception as error:  # a solution without the node, or with a broken one: a finding
        print('link: the solution has no usable actions/BrazeVerifyLink.py ({}): install it with install-into '
              '--nodes BrazeVerifyLink'.format(type(error).__name__), file=sys.stderr)
        return 2
    block = _block(app, args.env)
    if block is None:
        print('link: app.PARAMS is missing', file=sys.stderr)
        return 2
    _dev_link_secrets(block)
    try:
        names = declarations.settings_of(declarations.NODES['BrazeVerifyLink'])
        settings = settings_module.load(app, {'env': args.env}, names)
    except settings_module.SettingsError as problem:
        print('link: {}'.format(problem), file=sys.stderr)
        return 2
    for option, value in (('--uid', args.uid), ('--cohort', args.cohort), ('--kid', args.kid or '')):
        try:
            value.encode('utf-8')
        except UnicodeEncodeError:  # bytes the terminal could not decode reach Python as surrogates
            print('link: {} is not valid text (bytes that are not UTF-8?): type it again'.format(option),
                  file=sys.stderr)
            return 2
    kid = args.kid if args.kid is not None else next(iter(settings.secrets))
    problem = ('--kid names no secret of braze_link_secrets' if kid not in settings.secrets else
               '--ttl must be 1 to braze_link_max_age ({:.0f}) seconds'.format(settings.max_age)
               if not 0 < args.ttl <= settings.max_age else
               '--uid and --cohort must not hold |' if '|' in args.uid + args.cohort else
               '--uid must be 1 to 987 bytes' if not 0 < len(args.uid.encode('utf-8')) <= 987 else
               '--cohort must be at most 255 characters' if len(args.cohort) > 255 else None)
    if problem:
        print('link: ' + problem, file=sys.stderr)
        return 2
    expires = int(time.time()) + args.ttl
    fields = [('bz_uid', args.uid), ('bz_exp', str(expires)), ('bz_kid', kid)]
    fields += [('bz_cohort', args.cohort)] if args.cohort else []
    fields.append(('bz_sig', links.sign(args.uid, expires, settings.secrets[kid], args.cohort)))
    print(with_query(args.base, fields))
    return 0


def with_query(base, fields):
    """``base`` with ``fields`` added to its query, each value escaped as url_param_escape does."""
    parts = urlsplit(base)
    added = '&'.join('{}={}'.format(name, quote_plus(value)) for name, value in fields)
    return urlunsplit(parts._replace(query='{}&{}'.format(parts.query, added) if parts.query else added))


COMMANDS = {'link': (_link_arguments, _link)}
