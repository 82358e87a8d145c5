# -*- coding: utf-8 -*-
"""Development only: what joins the Pypestream stand-in (local_pypestream) to the Braze one
(local_braze). Neither imports the other; local_pypestream imports this module when it exists.

When the environment's PARAMS block has no braze_url (no BRAZE_URL / BRAZE_<ENV>_URL set), an
embedded local_braze serves the nodes, and the profiles it holds are printed at the end.
``LOCAL_BRAZE_FAULTS`` (e.g. ``503x20``, comma-separated) queues faults in it, to rehearse an outage.
The embedded block also names a demo Canvas and campaign (``DEMO_NAMES``) unless it names its own.
"""
import contextlib
import json
import os

from local_pypestream.solution import load_module


# Canvas and campaign names the embedded emulator's block knows, for the examples.
DEMO_NAMES = {'braze_canvases': {'welcome_back': 'local-canvas-welcome-back'},
              'braze_campaigns': {'chat_follow_up': 'local-campaign-chat-follow-up'}}


class _Real(object):
    banner = None

    @staticmethod
    def report():
        return None


class _Embedded(object):
    def __init__(self, braze):
        self.braze = braze
        self.banner = ('using the embedded Braze emulator at {} (set BRAZE_URL and BRAZE_API_KEY for a real '
                       'workspace)'.format(braze.url))

    def report(self):
        return 'Braze emulator now holds:\n' + json.dumps(self.braze.profiles(), indent=2, sort_keys=True)


@contextlib.contextmanager
def start(app, env):
    block = _block(app, env)
    if block is None or block.get('braze_url'):
        yield _Real()
        return
    import local_braze  # development package, needed only when no real Braze is configured
    with local_braze.running() as braze:
        for spec in filter(None, os.environ.get('LOCAL_BRAZE_FAULTS', '').split(',')):
            braze.faults.parse(spec)
        block.update(braze_url=braze.url, braze_api_key=braze.api_key)
        for name, mapping in DEMO_NAMES.items():
            block.setdefault(name, mapping)
        yield _Embedded(braze)


def _block(app, env):
    """The PARAMS block the nodes will read for ``env`` (prod/live aliases included), created
    empty when there is none so the emulator can fill it."""
    if not isinstance(getattr(app, 'PARAMS', None), dict):
        return None
    settings = load_module('actions.braze_settings')
    env = env.strip().lower()
    try:
        return settings.environment_block(app.PARAMS, env)
    except settings.SettingsError:
        return app.PARAMS.setdefault(env, {})
