# -*- coding: utf-8 -*-
"""python -m bench.lint [--smoke]: lint's time for a production-sized flow (560 nodes: actions calling the
Braze nodes and others, messages with buttons, the End-Chat Handler, nodes nothing routes to) and for the
same flow repeated 10 and 100 times; the time per node must stay within 1.5x of the 560-node one."""
import argparse
import csv
import io
import statistics
import sys
import time

from local_pypestream import flowfile, flowlint

HEADER = ['Node Number', 'Node Type', 'Node Name', 'Intent', 'Entity Type', 'Entity', 'NLU Disabled?', 'Next Nodes',
          'Message', 'Rich Asset Type', 'Rich Asset Content', 'Answer Required?', 'Behaviors', 'Command',
          'Description', 'Output', 'Node Input', 'Parameter Input', 'Decision Variable', 'What Next?', 'Node Tags',
          'Skill Tag', 'Variable', 'Platform Flag', 'Flows', 'CSS Classname']
NODES = 560


def _row(**cells):
    return [cells.get(name, '') for name in HEADER]


def block(base):
    """560 nodes numbered from ``base``: 80 steps of 7 nodes (a lookup, a track, two messages with
    buttons, an assignment, two nodes nothing routes to)."""
    rows = []
    for step in range(80):
        n = base + step * 10
        after = n + 10 if step < 79 else base
        rows += [
            _row(**{'Node Number': n, 'Node Type': 'A', 'Node Name': 'Look up', 'Command': 'BrazeUserLookup',
                    'Output': 'success', 'Decision Variable': 'success',
                    'Parameter Input': '{"external_id": "{USER_ID}", "globals": {"TIER": "custom_attributes.tier"}}',
                    'What Next?': 'true~{0}|not_found~{1}|multiple~{1}|error~{1}'.format(n + 1, n + 2),
                    'Variable': 'USER_ID,TIER,BRAZE_ID,BRAZE_EXTERNAL_ID,BRAZE_ERROR,BRAZE_DROPPED'}),
            _row(**{'Node Number': n + 1, 'Node Type': 'A', 'Node Name': 'Track', 'Command': 'BrazeUserTrack',
                    'Output': 'success', 'Decision Variable': 'success',
                    'Parameter Input': '{"external_id": "{USER_ID}", "events": [{"name": "step_%d"}]}' % step,
                    'What Next?': 'true~{0}|error~{0}'.format(n + 2),
                    'Variable': 'USER_ID,BRAZE_ERROR,BRAZE_REJECTED,BRAZE_DROPPED'}),
            _row(**{'Node Number': n + 2, 'Node Type': 'D', 'Node Name': 'Ask', 'Message': 'Tier {TIER}: go on?',
                    'Rich Asset Type': 'button', 'Rich Asset Content': 'Yes~{}|No~{}'.format(n + 3, after),
                    'Answer Required?': '1', 'Variable': 'ANSWER'}),
            _row(**{'Node Number': n + 3, 'Node Type': 'A', 'Node Name': 'Set', 'Command': 'SysAssignVariable',
                    'Output': 'success', 'Decision Variable': 'success', 'Parameter Input': '{"set": {"STEP": "x"}}',
                    'What Next?': 'true~{0}|error~{0}'.format(n + 4), 'Variable': 'STEP'}),
            _row(**{'Node Number': n + 4, 'Node Type': 'D', 'Node Name': 'Say', 'Message': 'Step {STEP}',
                    'Next Nodes': str(after)}),
            _row(**{'Node Number': n + 5, 'Node Type': 'D', 'Node Name': 'Old', 'Message': 'old',
                    'Next Nodes': str(n + 6)}),
            _row(**{'Node Number': n + 6, 'Node Type': 'D', 'Node Name': 'Older', 'Message': 'older'}),
        ]
    return rows


def flow_text(copies):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(_row(**{'Node Number': 1, 'Node Type': 'D', 'Node Name': 'Start', 'Message': 'Hi',
                            'Next Nodes': '100000'}))
    for copy in range(copies):
        writer.writerows(block(100000 + copy * 1000))
    return out.getvalue()


def measure(copies, runs):
    text = flow_text(copies)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        problems = flowlint.lint(flowfile.parse(text), None)
        times.append(time.perf_counter() - started)
    errors = [p for p in problems if p.level == 'error']
    assert not errors, errors[:3]
    return statistics.median(times), NODES * copies + 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.lint')
    parser.add_argument('--smoke', action='store_true', help='one run each, 1 and 10 copies (figures meaningless)')
    args = parser.parse_args(argv)
    sizes = ((1, 1), (10, 1)) if args.smoke else ((1, 15), (10, 5), (100, 2))
    base = None
    print('| flow | nodes | lint time | per node | ratio per node to 560 |')
    print('| --- | --- | --- | --- | --- |')
    for copies, runs in sizes:
        seconds, nodes = measure(copies, runs)
        per = seconds / nodes
        base = base or per
        print('| 560 x {} | {} | {:.3f} s | {:.1f} µs | {:.2f} |'.format(copies, nodes, seconds, per * 1e6, per / base))
    return 0


if __name__ == '__main__':
    sys.exit(main())
