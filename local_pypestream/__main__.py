# -*- coding: utf-8 -*-
"""Run a solution's action nodes, or a whole flow, the way Pypestream does.

    python -m local_pypestream run NODE PAYLOAD.json [NODE PAYLOAD.json ...] [--env sandbox] [--context CTX.json]
    python -m local_pypestream flow FLOW.csv [--turns TURNS.json] [--env sandbox] [--context CTX.json] [--json]
    python -m local_pypestream lint FLOW.csv [--solution DIR | --actions DIR]
    python -m local_pypestream install-into SOLUTION_DIR [--nodes A,B] [--layout modules|single-file]
                                            [--dry-run] [--force] [--flows GLOB]

``run`` calls each node in turn and feeds the globals it returns into the next call's context;
it prints the log lines and each result, and exits 0 unless a node answered ``error``. ``flow``
walks a Design Studio CSV from node 1 with the solution's real nodes (exit 0 unless the run ends
in an error); ``lint`` checks it against Pypestream's compile rules (exit 1 on any error);
``install-into`` puts this package's nodes into a solution (local_pypestream/install.py).
The solution is ``--solution DIR``, else the nearest folder at or above the flow (``run``: the
current folder) holding app.py and actions/; ``run`` and ``flow`` fall back to this project, ``lint``
then checks no Command class. The solution's development services (its local_services.py) start
around ``run`` and ``flow``.
"""
import argparse
import difflib
import json
import os
import sys

from . import doctor, flowfile, flowlint, flowrun, install, jsontext, uninstall
from .text import printable, printable_lines, read_limited
from .runtime import make_context, run_node
from .services import solution_commands, started
from .solution import ROOT, find_solution, is_solution, load_solution, select, solution_nodes


def main(argv=None):
    try:
        return _main(argv)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as other tools do
        try:
            sys.stdout = open(os.devnull, 'w')
        except OSError:
            pass
        return 1


def _main(argv=None):
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
    flow.add_argument('--end-chat', action='store_true',
                      help='when the conversation stops, end the chat: run the End-Chat Handler (-585) as the platform '
                           'does (a turn {"end_chat": true} does the same)')
    _common(flow)
    _page(flow)
    lint = commands.add_parser('lint', help="check a flow CSV against Pypestream's compile rules")
    lint.add_argument('csv')
    lint.add_argument('--actions', help="the folder of the flow's action nodes (default: the solution's actions/)")
    lint.add_argument('--solution', help='the solution folder (default: the nearest one at or above the CSV)')
    into = commands.add_parser('install-into', help="put the nodes into a solution's actions/ and PARAMS")
    into.add_argument('solution_dir', metavar='SOLUTION_DIR', help='the folder holding app.py and actions/')
    into.add_argument('--nodes', help='comma-separated node names (default: all)')
    into.add_argument('--layout', choices=install.LAYOUTS, default='modules',
                      help='modules: nodes and their helper modules; single-file: one self-contained file per node')
    into.add_argument('--dry-run', action='store_true', help='show the diff and the files, write nothing')
    into.add_argument('--force', action='store_true', help='replace refused files after a backup')
    into.add_argument('--flows', help="the flow CSVs to lint afterwards (default: every CSV under SOLUTION_DIR)")
    out = commands.add_parser('uninstall-from', help='take out what install-into put into a solution')
    out.add_argument('solution_dir', metavar='SOLUTION_DIR', help='the folder holding app.py and actions/')
    out.add_argument('--dry-run', action='store_true', help='show what would be removed, remove nothing')
    out.add_argument('--force', action='store_true', help='remove changed files too, after a backup')
    doctor_command = commands.add_parser('doctor', help="check a solution's node settings and workspace, changing "
                                         'nothing')
    doctor_command.add_argument('--solution', help='the solution folder (default: the nearest one at or above the '
                                                   'current folder)')
    doctor_command.add_argument('--env', action='append', help='an environment block to check (default: every one)')
    doctor_command.add_argument('--json', action='store_true', help='print the checks as a JSON list')
    doctor_command.add_argument('--send-probes', action='store_true',
                                help='also send each configured Canvas and campaign to an unknown recipient (the '
                                     'workspace cancels it, but a dispatch stays in its analytics)')
    extra = solution_commands()
    for name, (add_arguments, _) in sorted(extra.items()):
        command = commands.add_parser(name, help="the solution's own development command (local_services)")
        add_arguments(command)
        _common(command)
    args = parser.parse_args(argv)
    if args.command == 'run' and len(args.pairs) % 2:
        parser.error('run takes NODE PAYLOAD pairs')
    if args.command == 'install-into':
        nodes = [n.strip() for n in args.nodes.split(',') if n.strip()] if args.nodes else None
        return install.install(args.solution_dir, nodes, args.layout, args.dry_run, args.force, args.flows)
    if args.command == 'uninstall-from':
        return uninstall.uninstall(args.solution_dir, args.dry_run, args.force)
    if args.command == 'lint':
        return _lint(args)
    if args.command == 'doctor':
        return _doctor(args)
    root = _solution(args, getattr(args, 'csv', None) or os.getcwd())
    app = _app_of(root, '') if root is not None else None
    if app is None:
        return 1
    try:
        if args.command in extra:
            return extra[args.command][1](args, app)
        return {'run': _run, 'flow': _flow}[args.command](args, app)
    except InputError as problem:
        print('{}: {}'.format(args.command, problem), file=sys.stderr)
        return 2


def _solution(args, near, fallback=True):
    """The solution folder to use, or None (said on stderr) when there is none."""
    if args.solution:
        if not is_solution(args.solution):
            print('{} is not a solution folder (app.py beside actions/)'.format(args.solution), file=sys.stderr)
            return None
        return os.path.abspath(args.solution)
    found = find_solution(near)
    if found is None and fallback:
        if is_solution(ROOT):
            return ROOT
        print('no solution (app.py beside actions/) at or above {}: pass --solution DIR'.format(near),
              file=sys.stderr)
    return found


def _common(command):
    command.add_argument('--solution', help='the solution folder (default: the nearest one at or above the '
                                            'flow, or the current folder; else this project)')
    command.add_argument('--env', default='sandbox', help='sandbox or live (default sandbox)')
    command.add_argument('--context', help='JSON file merged into the context (user_data is merged too)')


def _page(command):
    command.add_argument('--url', help='the page the chat opens on (user_data.last_viewed_url), e.g. a signed link')
    command.add_argument('--passthrough', help="JSON text the page hands the chat (user_data.passthrough)")


def _run(args, app):
    pairs = list(zip(args.pairs[::2], args.pairs[1::2]))
    known = solution_nodes()
    for node, _ in pairs:
        if node not in known:
            close = difflib.get_close_matches(node, known, n=1, cutoff=0.6)
            raise InputError('no node {}{} (the solution\'s nodes: {})'.format(
                printable(node)[:80], ' (did you mean {}?)'.format(close[0]) if close else '', ', '.join(known)[:400]))
    payloads = [read_json(path, 'payload') for _, path in pairs]
    for (_, path), payload in zip(pairs, payloads):
        if not isinstance(payload, dict):
            raise InputError('payload {}: a Parameter Input is a JSON object ({{...}})'.format(printable(path)))
    context = _context(args)
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


def _flow(args, app):
    flow = flowfile.read(args.csv)
    broken = [p for p in flow.problems if p.level == 'error']
    if broken:
        for problem in broken:
            print(printable(_describe(problem)), file=sys.stderr)
        return 1
    turns = read_json(args.turns, '--turns', inline=True) if args.turns else None
    if turns is not None and not isinstance(turns, list):
        raise InputError('--turns: a JSON array of the answers, in order (["C-1001", "Yes"]), not {}'.format(
            type(turns).__name__))
    turns = iter(turns) if turns is not None else _keyboard()
    context = _context(args)
    with started(app, args.env) as services:
        if services.banner and not args.json:
            print(services.banner)
        run = flowrun.Run(flow, context, (t if isinstance(t, dict) else str(t) for t in turns),
                          None if args.json else _echo, args.max_steps).walk()
        if args.end_chat or run.closed:
            run.finish()
        report = services.report()
        problems = getattr(services, 'problems', lambda lines: [])(
            [t['text'] for t in run.transcript if t['who'] == 'log'])
    if args.json:
        print(json.dumps(run.report(), indent=2))
    else:
        print('ended: {}{}'.format(run.ended, ' ({})'.format(printable(run.error)) if run.error else ''))
        if run.handler is not None:
            print('end of chat: {}{}, path {}'.format(run.handler['ended'], ' ({})'.format(
                printable(run.handler['error'])) if run.handler['error'] else '',
                ' -> '.join(str(n) for n in run.handler['path'])))
        print('path: {}'.format(' -> '.join(str(n) for n in run.path)))
        print('routes: {}'.format(printable('; '.join('{} {} -> {}'.format(n, why, to)
                                                      for n, why, to in run.routes) or '-')))
        print('globals:')
        for name, value in sorted(run.report()['globals'].items()):
            print('  {} = {}'.format(printable(name), printable(value)))
        if report:
            print(report)
    for number, command, why in run.unloadable:
        print('flow: node {}: {}'.format(number, printable(why)), file=sys.stderr)
    for problem in problems:  # the services' own findings (a system the nodes call could not be reached)
        print('flow: {}'.format(printable(problem)[:400]), file=sys.stderr)
    failed = 'error' in (run.ended, (run.handler or {}).get('ended')) or run.unloadable or problems
    return 1 if failed else 0


def _app_of(root, prefix):
    """The solution at ``root`` selected and its app module, or None (said on stderr): its own app.py
    failing to import is a finding, not a traceback."""
    select(root)
    try:
        return load_solution().app
    except Exception as error:
        print('{}cannot import {}: {}: {}'.format(prefix, os.path.join(root, 'app.py'), type(error).__name__,
                                                  printable(str(error))[:200]), file=sys.stderr)
        return None


def _doctor(args):
    root = _solution(args, os.getcwd(), fallback=False)
    if root is None:
        if not args.solution:
            print('doctor: no solution (app.py beside actions/) at or above {}: pass --solution DIR'.format(
                os.getcwd()), file=sys.stderr)
        return 2
    app = _app_of(root, 'doctor: ')
    if app is None:
        return 2
    try:
        found = doctor.Doctor(root, app, args.env, args.send_probes).run()
    except Exception as error:  # a solution shaped in a way doctor did not foresee: said, never a traceback
        print('doctor: could not finish ({}: {})'.format(type(error).__name__, printable(str(error))[:200]),
              file=sys.stderr)
        return 1
    print(doctor.render(found, args.json))
    return doctor.exit_status(found)


def _lint(args):
    actions = args.actions
    if actions is None:
        root = _solution(args, args.csv, fallback=False)
        if args.solution and root is None:
            return 1
        actions = os.path.join(root, 'actions') if root else None
    problems = flowlint.lint(flowfile.read(args.csv), actions)
    for problem in problems:
        print(printable(_describe(problem)))
    errors = sum(1 for p in problems if p.level == 'error')
    print('{} error(s), {} warning(s)'.format(errors, len(problems) - errors))
    return 1 if errors else 0


def _context(args):
    """The chat's context: --context merged in, then the page as the web chat sets it."""
    extra = read_json(args.context, '--context', inline=True) if args.context else None
    if extra is not None and not isinstance(extra, dict):
        raise InputError('--context: a JSON object ({"user_data": {...}}), not ' + type(extra).__name__)
    context = make_context(args.env, extra)
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


class InputError(Exception):
    """A file or text the command was given cannot be used: the message says which, where and why."""


def read_json(path, what='file', inline=False):
    """The JSON of ``path`` (or, with ``inline``, of the text itself when it is no file and starts like
    JSON). InputError naming the file (or the text), the line, the column and the cause."""
    if inline and not os.path.exists(path) and path.strip()[:1] in '[{':
        value, why = jsontext.loads(path)
        if why:
            raise InputError('{} (inline JSON): {}'.format(what, why))
        return value
    data, problem = read_limited(path, MAX_INPUT)
    if problem:
        raise InputError('{} {}: {}'.format(what, printable(path), 'no such file' if problem.startswith(
            'cannot be read (No such') else problem))
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError:
        raise InputError('{} {}: not UTF-8 text: save it as UTF-8'.format(what, printable(path)))
    value, why = jsontext.loads(text)
    if why:
        raise InputError('{} {}: not JSON: {}'.format(what, printable(path), why))
    return value


MAX_INPUT = 16 * 1024 * 1024


if __name__ == '__main__':
    sys.exit(main())
