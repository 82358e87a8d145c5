# -*- coding: utf-8 -*-
"""python -m bench [--smoke] [--calls N] [--write-readme]

Per-call time of the node next to the floor (a raw keep-alive post of the same bytes) and the
seed template (a new connection per call), over HTTP and over HTTPS on loopback; cold start;
payload building alone; peak memory of one call. Medians, and ratios measured side by side.
"""
import argparse
import compileall
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

from . import scenarios
from .servers import API_KEY, ROOT, fast_braze

README = os.path.join(ROOT, 'README.md')
START, END = '<!-- bench:start -->', '<!-- bench:end -->'


def per_call(named_calls, calls, warmup, block=50):
    """Median seconds per call for each scenario, run in interleaved blocks to share any drift."""
    for _, call in named_calls:
        for _ in range(warmup):
            assert call(), 'a warm-up call failed'
    times = {name: [] for name, _ in named_calls}
    done = 0
    clock = time.perf_counter
    while done < calls:
        for name, call in named_calls:
            samples = times[name]
            for _ in range(min(block, calls - done)):
                started = clock()
                call()
                samples.append(clock() - started)
        done += block
    return {name: statistics.median(samples) for name, samples in times.items()}


def transport_rows(tls, calls, warmup):
    with fast_braze(tls=tls) as (url, ca):
        verify = ca or True
        scenarios.configure(url, API_KEY, ca)
        medians = per_call([('floor', scenarios.floor(url, API_KEY, verify)), ('node', scenarios.node()),
                            ('seed', scenarios.seed_template(url, API_KEY, verify))], calls, warmup)
    label = 'HTTPS' if tls else 'HTTP'
    floor = medians['floor']
    return [
        ('{} (a) floor: keep-alive Session.post'.format(label), floor, 1.0),
        ('{} (b) BrazeUserTrack.execute'.format(label), medians['node'], medians['node'] / floor),
        ('{} (c) seed template'.format(label), medians['seed'], medians['seed'] / floor),
    ], medians['node'] / floor, medians['seed'] / medians['node']


def cold_start(runs):
    # A deployed solution imports cached bytecode (requests' is compiled at install); compile ours
    # too, or the figure is the cost of compiling source (PYTHONDONTWRITEBYTECODE may be set).
    compileall.compile_dir(os.path.join(ROOT, 'actions'), quiet=1)
    for name in ('__init__.py', 'app.py'):
        compileall.compile_file(os.path.join(ROOT, name), quiet=1)
    loader = ('import importlib.util,sys;'
              "s=importlib.util.spec_from_file_location('p',{!r},submodule_search_locations=[{!r}]);"
              "m=importlib.util.module_from_spec(s);sys.modules['p']=m;s.loader.exec_module(m);"
              "import p.actions.BrazeUserTrack").format(os.path.join(ROOT, '__init__.py'), ROOT)
    commands = {'requests': [sys.executable, '-c', 'import requests'], 'node': [sys.executable, '-c', loader]}
    times = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, cwd='/')
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(samples) for name, samples in times.items()}


def building(iterations):
    rows = []
    for label, payload in (('seed payload (2 objects)', scenarios.SEED_PAYLOAD),
                           ('explicit payload (200 objects)', scenarios.explicit_200())):
        call = scenarios.building(payload)
        call()
        samples = []
        for _ in range(iterations):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
        rows.append((label, statistics.median(samples)))
    return rows


def peak_memory():
    with fast_braze() as (url, _):
        scenarios.configure(url, API_KEY)
        call = scenarios.node()
        call()
        tracemalloc.start()
        call()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as handle:
            names = [line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return '{}, {} cores, Python {}, requests {}, {}'.format(
        cpu, os.cpu_count(), platform.python_version(), __import__('requests').__version__, platform.system())


def render(rows, checks, extra, smoke):
    out = ['| scenario | median | ratio to the floor |', '| --- | --- | --- |']
    out += ['| {} | {:.1f} µs | {:.2f} |'.format(name, seconds * 1e6, ratio) for name, seconds, ratio in rows]
    out += ['', '| target | measured | met |', '| --- | --- | --- |']
    out += ['| {} | {:.2f} | {} |'.format(name, value, 'yes' if ok else 'NO') for name, value, ok in checks]
    out += ['', '| other figure | value |', '| --- | --- |']
    out += ['| {} | {} |'.format(name, value) for name, value in extra]
    if smoke:
        out += ['', '(smoke run: too few iterations for the figures to mean anything)']
    return '\n'.join(out)


def write_readme(table, calls):
    with open(README) as handle:
        text = handle.read()
    stamp = 'Last run {} on {}; {} calls per scenario after warm-up.'.format(
        datetime.date.today().isoformat(), machine(), calls)
    block = '{}\n{}\n\n{}\n{}'.format(START, stamp, table, END)
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + '\n\n## Benchmarks\n\n`python -m bench` (the table below is its last run):\n\n' \
            + block + '\n'
    with open(README, 'w') as handle:
        handle.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__)
    parser.add_argument('--smoke', action='store_true', help='a handful of iterations: only checks it runs')
    parser.add_argument('--calls', type=int, default=2000, help='timed calls per scenario (default 2000)')
    parser.add_argument('--write-readme', action='store_true', help='replace the README table with this run')
    args = parser.parse_args(argv)
    calls, warmup, cold_runs, build_runs = (20, 5, 2, 50) if args.smoke else (args.calls, 200, 15, 2000)

    http_rows, http_overhead, http_gain = transport_rows(False, calls, warmup)
    tls_rows, tls_overhead, tls_gain = transport_rows(True, calls, warmup)
    cold = cold_start(cold_runs)
    built = building(build_runs)
    peak = peak_memory()
    cold_ratio = cold['node'] / cold['requests']
    rows = http_rows + tls_rows + [
        ('cold start: import requests', cold['requests'], None),
        ('cold start: import the node', cold['node'], None),
    ]
    rows = [(name, seconds, ratio if ratio is not None else float('nan')) for name, seconds, ratio in rows]
    rows[-1] = (rows[-1][0], rows[-1][1], cold_ratio)
    rows[-2] = (rows[-2][0], rows[-2][1], 1.0)
    checks = [
        ('HTTP (b)/(a) <= 1.10', http_overhead, http_overhead <= 1.10),
        ('HTTP (c)/(b) >= 1.25', http_gain, http_gain >= 1.25),
        ('HTTPS (b)/(a) <= 1.10', tls_overhead, tls_overhead <= 1.10),
        ('HTTPS (c)/(b) >= 3', tls_gain, tls_gain >= 3),
        ('cold start node/requests <= 1.10', cold_ratio, cold_ratio <= 1.10),
    ]
    extra = [('building, {}'.format(label), '{:.1f} µs'.format(seconds * 1e6)) for label, seconds in built]
    extra.append(('peak memory of one call (tracemalloc)', '{:.1f} KiB'.format(peak / 1024)))
    table = render(rows, checks, extra, args.smoke)
    print(table.replace('| nan |', '| |'))
    if args.write_readme and not args.smoke:
        write_readme(table, calls)
    return 0


if __name__ == '__main__':
    sys.exit(main())
