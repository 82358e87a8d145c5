# -*- coding: utf-8 -*-
"""Run an action node locally.

    python -m local_pypestream run BrazeUserTrack examples/seed.json [--env sandbox] [--context ctx.json]

Prints each log line and the returned dict; exits 0 when ``success`` is ``true``. When the
environment has no Braze URL configured (no BRAZE_URL / BRAZE_<ENV>_URL), the node is pointed
at an embedded local_braze emulator and the profile it now holds is printed afterwards.
"""
import argparse
import json
import sys

from .runtime import make_context, run_node
from .solution import load_module, load_solution


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m local_pypestream')
    commands = parser.add_subparsers(dest='command', required=True)
    run = commands.add_parser('run', help='call a node with a Parameter Input file')
    run.add_argument('node', help='node class name, e.g. BrazeUserTrack')
    run.add_argument('payload', help='JSON file with the Parameter Input')
    run.add_argument('--env', default='sandbox', help='sandbox or live (default sandbox)')
    run.add_argument('--context', help='JSON file merged into the context (user_data is merged too)')
    args = parser.parse_args(argv)

    payload = _read_json(args.payload)
    context = make_context(args.env, _read_json(args.context) if args.context else None)
    app = load_solution().app
    block = _env_block(app, args.env)
    embedded = block is not None and not block.get('braze_url')
    if not embedded:
        return _report(run_node(args.node, payload, context, _print_log))

    import local_braze  # development package: only needed when no real Braze is configured
    with local_braze.running() as braze:
        block.update(braze_url=braze.url, braze_api_key=braze.api_key)
        print('using the embedded Braze emulator at {} (set BRAZE_URL and BRAZE_API_KEY for a real '
              'workspace)'.format(braze.url))
        status = _report(run_node(args.node, payload, context, _print_log))
        print('Braze emulator now holds:')
        print(json.dumps([_exported(braze, p) for p in braze.store.snapshot()], indent=2, sort_keys=True))
    return status


def _env_block(app, env):
    """The PARAMS block the node will read for ``env`` (prod/live aliases included), created empty
    when there is none so the embedded emulator can fill it."""
    if not isinstance(app.PARAMS, dict):
        return None
    config = load_module('actions.braze_config')
    try:
        return config.env_block(app.PARAMS, env.strip().lower())
    except config.ConfigError:
        return app.PARAMS.setdefault(env.strip().lower(), {'braze_user_track': 'users/track'})


def _exported(braze, profile):
    ids = {'external_ids': [profile['external_id']]} if profile['external_id'] else \
        {'braze_ids': [profile['braze_id']]}
    return braze.store.export(ids)['users'][0]


def _print_log(line):
    print('log: {}'.format(line))


def _report(result):
    print('result: {}'.format(json.dumps(result)))
    return 0 if isinstance(result, dict) and result.get('success') == 'true' else 1


def _read_json(path):
    with open(path) as handle:
        return json.load(handle)


if __name__ == '__main__':
    sys.exit(main())
