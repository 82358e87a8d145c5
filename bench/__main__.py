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

import requests

from . import scenarios
from .servers import API_KEY, ROOT, braze

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
    """The seed payload over one transport: three floors, the node, and the seed template."""
    with braze(tls=tls) as (url, ca):
        verify = ca or True
        scenarios.configure(url, API_KEY, ca)
        body = scenarios.track_body()
        named = [('floor', scenarios.session_post(url, API_KEY, body, verify)),
                 ('send', scenarios.session_send(url, API_KEY, body, verify)),
                 ('raw', scenarios.raw_http(url, API_KEY, body, ca)),
                 ('node', scenarios.node())]
        if not tls:  # the same node and adapter over urllib3's own sockets: what keeping the deadline costs
            named.append(('plain', scenarios.node(transport=scenarios.unbounded_adapter())))
        named.append(('seed', scenarios.seed_template(url, API_KEY, verify)))
        medians = per_call(named, calls, warmup)
    label = 'HTTPS' if tls else 'HTTP'
    floor, node = medians['floor'], medians['node']
    rows = [
        ('{} (a) floor: keep-alive Session.post'.format(label), floor, 1.0),
        ('{} (a2) floor: prepared request, Session.send'.format(label), medians['send'], medians['send'] / floor),
        ('{} (a3) floor: http.client keep-alive POST'.format(label), medians['raw'], medians['raw'] / floor),
        ('{} (b) BrazeUserTrack.execute'.format(label), node, node / floor),
        ('{} (c) seed template'.format(label), medians['seed'], medians['seed'] / floor),
    ]
    figures = {'node/floor': node / floor, 'node/send': node / medians['send'], 'node/raw': node / medians['raw'],
               'seed/node': medians['seed'] / node}
    if 'plain' in medians:
        figures['guard'] = node - medians['plain']
    return rows, figures


def new_connection_rows(calls, warmup):
    """A call that must open a new HTTPS connection (the first of a worker, or after an idle close)."""
    with braze(tls=True) as (url, ca):
        scenarios.configure(url, API_KEY, ca)
        # The floor trusts a certifi-sized bundle, as requests does by default: the public store plus the test CA.
        bundle = os.path.join(os.path.dirname(ca), 'public-plus-test.pem')
        with open(bundle, 'wb') as out, open(requests.certs.where(), 'rb') as public, open(ca, 'rb') as test:
            out.write(public.read() + b'\n' + test.read())
        medians = per_call([('floor', scenarios.session_post(url, API_KEY, scenarios.track_body(), bundle, fresh=True)),
                            ('node', scenarios.node(fresh=True))], calls, warmup)
    return [('HTTPS new connection (a) floor: Session.post', medians['floor'], 1.0),
            ('HTTPS new connection (b) BrazeUserTrack.execute', medians['node'], medians['node'] / medians['floor'])]


def lookup_rows(calls, warmup):
    with braze(fast=False) as (url, _):
        scenarios.configure(url, API_KEY)
        assert scenarios.node()(), 'could not record the user to look up'
        medians = per_call([('floor', scenarios.session_post(url, API_KEY, scenarios.lookup_body(),
                                                             path=scenarios.EXPORT)),
                            ('node', scenarios.node('BrazeUserLookup', scenarios.LOOKUP_PAYLOAD))], calls, warmup)
    return [('lookup (a) floor: keep-alive Session.post', medians['floor'], 1.0),
            ('lookup (b) BrazeUserLookup.execute', medians['node'], medians['node'] / medians['floor'])]


def cold_start(runs):
    # A deployed solution imports cached bytecode (requests' is compiled at install); compile ours
    # too, or the figure is the cost of compiling source (PYTHONDONTWRITEBYTECODE may be set).
    compileall.compile_dir(os.path.join(ROOT, 'actions'), quiet=1)
    for name in ('__init__.py', 'app.py'):
        compileall.compile_file(os.path.join(ROOT, name), quiet=1)
    loader = ('import importlib.util,sys;'
              "s=importlib.util.spec_from_file_location('p',{!r},submodule_search_locations=[{!r}]);"
              "m=importlib.util.module_from_spec(s);sys.modules['p']=m;s.loader.exec_module(m);"
              "import p.actions.BrazeUserTrack, p.actions.BrazeUserLookup").format(
                  os.path.join(ROOT, '__init__.py'), ROOT)
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


def own_cpu(calls, warmup):
    """The node's own CPU per seed-template call: a transport that answers at once, no network."""
    scenarios.configure('https://rest.iad-01.braze.com', API_KEY)
    call = scenarios.node(transport=scenarios.instant_transport())
    return per_call([('node', call)], calls, warmup)['node']


def peak_memory():
    with braze() as (url, _):
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
    fresh_calls = max(10, calls // 10)  # a new TLS connection per call is slow: fewer of them

    http_rows, http = transport_rows(False, calls, warmup)
    tls_rows, tls = transport_rows(True, calls, warmup)
    fresh_rows = new_connection_rows(fresh_calls, min(warmup, 20))
    lookup = lookup_rows(calls, warmup)
    cold = cold_start(cold_runs)
    built = building(build_runs)
    own = own_cpu(calls * 5, warmup)
    peak = peak_memory()
    cold_ratio = cold['node'] / cold['requests']
    rows = http_rows + tls_rows + fresh_rows + lookup + [
        ('cold start: import requests', cold['requests'], 1.0),
        ('cold start: import the nodes', cold['node'], cold_ratio),
    ]
    fresh_ratio = fresh_rows[1][2]
    checks = [
        ('HTTP (b)/(a) <= 0.90', http['node/floor'], http['node/floor'] <= 0.90),
        ('HTTPS (b)/(a) <= 0.90', tls['node/floor'], tls['node/floor'] <= 0.90),
        ('HTTP (b)/(a2) <= 1.10', http['node/send'], http['node/send'] <= 1.10),
        ('HTTPS (b)/(a2) <= 1.10', tls['node/send'], tls['node/send'] <= 1.10),
        ("node's own CPU per seed call, µs <= 60", own * 1e6, own * 1e6 <= 60),
        ('HTTP (c)/(b) >= 1.25', http['seed/node'], http['seed/node'] >= 1.25),
        ('HTTPS (c)/(b) >= 3', tls['seed/node'], tls['seed/node'] >= 3),
        ('cold start nodes/requests <= 1.10', cold_ratio, cold_ratio <= 1.10),
        # issue 21: no regression from the declarations and per-node settings
        ('HTTP (b)/(a) <= 1.00', http['node/floor'], http['node/floor'] <= 1.00),
        ('HTTPS (b)/(a) <= 1.00', tls['node/floor'], tls['node/floor'] <= 1.00),
        ('new HTTPS connection (b)/(a) <= 0.20', fresh_ratio, fresh_ratio <= 0.20),
    ]
    extra = [
        ('HTTP (b)/(a3), raw http.client (a reference, not a target)', '{:.2f}'.format(http['node/raw'])),
        ('HTTPS (b)/(a3), raw http.client (a reference, not a target)', '{:.2f}'.format(tls['node/raw'])),
        ('new HTTPS connection, node/floor', '{:.2f}'.format(fresh_ratio)),
        ('BrazeUserLookup/floor', '{:.2f}'.format(lookup[1][2])),
        ('deadline-keeping sockets, cost per call (HTTP)', '{:.1f} µs'.format(http['guard'] * 1e6)),
    ]
    extra += [('building, {}'.format(label), '{:.1f} µs'.format(seconds * 1e6)) for label, seconds in built]
    extra.append(('peak memory of one call (tracemalloc)', '{:.1f} KiB'.format(peak / 1024)))
    table = render(rows, checks, extra, args.smoke)
    print(table)
    if args.write_readme and not args.smoke:
        write_readme(table, calls)
    return 0


if __name__ == '__main__':
    sys.exit(main())
