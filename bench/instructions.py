# -*- coding: utf-8 -*-
"""python -m bench.instructions [SOLUTION_DIR ...]

The node's own work per seed-template call as a count of CPU instructions (valgrind's callgrind),
for each solution folder given (default: this one). A shared machine's timings drift by 10% or more
from run to run; an instruction count does not, so "the node's own CPU must not grow" is checked
with this between two checkouts (``git worktree add /tmp/before <commit>``), on the same Python.
Each folder's node runs through the same instant transport as the benchmark's "own CPU" row; the
count is (calls_b - calls_a) calls apart, so interpreter start-up and imports cancel out.
Needs valgrind (not installed by the project: Debian's package); without it, says so and exits 2.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Run inside the folder measured: its bench.scenarios, its nodes, its app.py.
_CALLS = r'''
import sys
sys.path.insert(0, '.')
from bench import scenarios
from bench.servers import API_KEY
scenarios.configure('https://rest.iad-01.braze.com', API_KEY)
call = scenarios.node(transport=scenarios.instant_transport())
for _ in range(int(sys.argv[1])):
    assert call()
'''
_COLLECTED = re.compile(r'Collected\s*:\s*(\d+)')


def collected(report):
    """The instruction total in callgrind's closing report, or None."""
    found = _COLLECTED.search(report)
    return int(found.group(1)) if found else None


def per_call(folder, few, many, valgrind='valgrind'):
    totals = []
    for calls in (few, many):
        run = subprocess.run([valgrind, '--tool=callgrind', '--callgrind-out-file=/dev/null',
                              os.path.realpath(sys.executable), '-c', _CALLS, str(calls)],
                             cwd=folder, capture_output=True, text=True)
        total = collected(run.stderr)
        if run.returncode != 0 or total is None:
            raise RuntimeError('{}: the node did not run under valgrind:\n{}'.format(folder, run.stderr[-800:]))
        totals.append(total)
    return (totals[1] - totals[0]) / float(many - few)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.instructions', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('folders', nargs='*', default=[ROOT], help='solution folders to compare')
    parser.add_argument('--calls', type=int, default=500, help='calls between the two counts (default 500)')
    args = parser.parse_args(argv)
    valgrind = shutil.which('valgrind')
    if valgrind is None:
        print('valgrind is not installed (apt-get install valgrind): nothing measured', file=sys.stderr)
        return 2
    for folder in args.folders:
        try:
            count = per_call(folder, 100, 100 + args.calls, valgrind)
        except RuntimeError as problem:
            print(problem, file=sys.stderr)
            return 1
        print('{}: {:,.0f} instructions per seed call'.format(folder, count))
    return 0


if __name__ == '__main__':
    sys.exit(main())
