# -*- coding: utf-8 -*-
"""Run a solution's action nodes, or a whole flow, the way Pypestream does.

    python -m local_pypestream run NODE PAYLOAD.json [NODE PAYLOAD.json ...] [--env sandbox] [--context CTX.json]
    python -m local_pypestream flow FLOW.csv [--turns TURNS.json] [--env sandbox] [--context CTX.json] [--json]
    python -m local_pypestream lint FLOW.csv

``run`` calls each node in turn and feeds the globals it returns into the next call's context;
it prints the log lines and each result, and exits 0 unless a node answered ``error``. ``flow``
walks a Design Studio CSV from node 1 with the solution's real nodes (exit 0 unless the run ends
in an error); ``lint`` checks it against Pypestream's compile rules (exit 1 on any error). The
solution's development services (local_services.py) start around ``run`` and ``flow``.
"""
import argparse
import json
import sys

from . import flowfile, flowlint, flowrun
from .text import printable, printable_lines
from .runtime import make_context, run_node
from .services import solution_commands, started
from .solution import load_solution


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m local_pypestream', description=__doc__.split('\n\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    run = commands.add_parser('run', help='call nodes with Parameter Input files, one after another')
    run.add_argument('pairs', nargs='+', metavar='NODE PAYLOAD', help='node class name, then its JSON file')
    _common(run)
    _page(run)
    flow = commands.add_parser('flow', help='walk a flow CSV from node 1')
    flow.add_argument('csv', help='the flow, as exported from Design Studio')
    flow.add_argument('--turns', help='JSON array of the user\'s answers, in order (default: ask on the keyboard)')
    flow.add_argument('--max-steps', type=int, default=flowrun.MAX_STEPS, help='nodes walked before giving up')
    flow.add_argument('--json', action='store_true', help='print one JSON object instead of the transcript')
    _common(flow)
    _page(flow)
    lint = commands.add_parser('lint', help="check a flow CSV against Pypestream's compile rules")
    lint.add_argument('csv')
    lint.add_argument('--actions', default=flowlint.ACTIONS, help="the folder of the flow's action nodes "
                                                                   "(default: this solution's actions/)")
    extra = solution_commands()
    for name, (add_arguments, _) in sorted(extra.items()):
        command = commands.add_parser(name, help="the solution's own development command (local_services)")
        add_arguments(command)
        _common(command)
    args = parser.parse_args(argv)
    if args.command == 'run' and len(args.pairs) % 2:
        parser.error('run takes NODE PAYLOAD pairs')
    if args.command in extra:
        return extra[args.command][1](args, load_solution().app)
    return {'run': _run, 'flow': _flow, 'lint': _lint}[args.command](args)


def _common(command):
    command.add_argument('--env', default='sandbox', help='sandbox or live (default sandbox)')
    command.add_argument('--context', help='JSON file merged into the context (user_data is merged too)')


def _page(command):
    command.add_argument('--url', help='the page the chat opens on (user_data.last_viewed_url), e.g. a signed link')
    command.add_argument('--passthrough', help="JSON text the page hands the chat (user_data.passthrough)")


def _run(args):
    pairs = list(zip(args.pairs[::2], args.pairs[1::2]))
    payloads = [read_json(path) for _, path in pairs]
    context = _context(args)
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


def _flow(args):
    flow = flowfile.read(args.csv)
    broken = [p for p in flow.problems if p.level == 'error']
    if broken:
        for problem in broken:
            print(printable(_describe(problem)), file=sys.stderr)
        return 1
    turns = iter(read_json(args.turns)) if args.turns else _keyboard()
    context = _context(args)
    app = load_solution().app
    with started(app, args.env) as services:
        if services.banner and not args.json:
            print(services.banner)
        run = flowrun.Run(flow, context, (str(t) for t in turns), None if args.json else _echo,
                          args.max_steps).walk()
        report = services.report()
    if args.json:
        print(json.dumps(run.report(), indent=2))
    else:
        print('ended: {}{}'.format(run.ended, ' ({})'.format(printable(run.error)) if run.error else ''))
        print('path: {}'.format(' -> '.join(str(n) for n in run.path)))
        print('routes: {}'.format(printable('; '.join('{} {} -> {}'.format(n, why, to)
                                                      for n, why, to in run.routes) or '-')))
        print('globals:')
        for name, value in sorted(run.report()['globals'].items()):
            print('  {} = {}'.format(printable(name), printable(value)))
        if report:
            print(report)
    return 1 if run.ended == 'error' else 0


def _lint(args):
    problems = flowlint.lint(flowfile.read(args.csv), args.actions)
    for problem in problems:
        print(printable(_describe(problem)))
    errors = sum(1 for p in problems if p.level == 'error')
    print('{} error(s), {} warning(s)'.format(errors, len(problems) - errors))
    return 1 if errors else 0


def _context(args):
    """The chat's context: --context merged in, then the page as the web chat sets it."""
    context = make_context(args.env, read_json(args.context) if args.context else None)
    if args.url is not None:
        context['user_data']['last_viewed_url'] = args.url
    if args.passthrough is not None:
        context['user_data']['passthrough'] = args.passthrough
    return context


def _describe(problem):
    where = 'node {}'.format(problem.node) if problem.node is not None else 'file'
    return '{}: {}, {}: {}'.format(problem.level, where, problem.column, problem.message)


def _echo(who, text):
    prefix = {'bot': 'bot:  ', 'user': 'user: ', 'log': '  log: ', 'note': '  note: '}.get(who, who + ': ')
    for index, line in enumerate(printable_lines(text)):  # only the bot's own line breaks remain
        print((prefix if index == 0 else ' ' * len(prefix)) + line)


def _keyboard():
    while True:
        try:
            yield input('you> ')
        except EOFError:
            return


def read_json(path):
    with open(path, encoding='utf-8-sig') as handle:
        return json.load(handle)


if __name__ == '__main__':
    sys.exit(main())
