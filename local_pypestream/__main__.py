# -*- coding: utf-8 -*-
"""Run a solution's action nodes, or a whole flow, the way Pypestream does.

    python -m local_pypestream run NODE PAYLOAD.json [NODE PAYLOAD.json ...] [--env sandbox] [--context CTX.json]
    python -m local_pypestream flow FLOW.csv [--turns TURNS.json] [--env sandbox] [--context CTX.json] [--json]
    python -m local_pypestream lint FLOW.csv

``run`` calls each node in turn and feeds the globals it returns into the next call's context;
it prints the log lines and each result, and exits 0 unless a node answered ``error``. The
solution's development services (local_services.py) start around every command.
"""
import argparse
import json
import sys

from .runtime import make_context, run_node
from .services import started
from .solution import load_solution


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m local_pypestream', description=__doc__.split('\n\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    run = commands.add_parser('run', help='call nodes with Parameter Input files, one after another')
    run.add_argument('pairs', nargs='+', metavar='NODE PAYLOAD', help='node class name, then its JSON file')
    _common(run)
    args = parser.parse_args(argv)
    if len(args.pairs) % 2:
        parser.error('run takes NODE PAYLOAD pairs')
    return _run(args)


def _common(command):
    command.add_argument('--env', default='sandbox', help='sandbox or live (default sandbox)')
    command.add_argument('--context', help='JSON file merged into the context (user_data is merged too)')


def _run(args):
    pairs = list(zip(args.pairs[::2], args.pairs[1::2]))
    payloads = [read_json(path) for _, path in pairs]
    context = make_context(args.env, read_json(args.context) if args.context else None)
    app = load_solution().app
    failed = False
    with started(app, args.env) as services:
        if services.banner:
            print(services.banner)
        for (node, path), payload in zip(pairs, payloads):
            if len(pairs) > 1:
                print('== {} {}'.format(node, path))
            result = run_node(node, payload, dict(context), lambda line: print('log: {}'.format(line)))
            print('result: {}'.format(json.dumps(result)))
            failed = failed or not isinstance(result, dict) or result.get('success') == 'error'
            if isinstance(result, dict):
                context.update(result)  # the globals a node returns are there for the next one
        report = services.report()
        if report:
            print(report)
    return 1 if failed else 0


def read_json(path):
    with open(path, encoding='utf-8-sig') as handle:
        return json.load(handle)


if __name__ == '__main__':
    sys.exit(main())
