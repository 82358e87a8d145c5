# -*- coding: utf-8 -*-
"""Every fault crossed with every kind of body, over real loopback HTTP against local_braze:
the outcome, the attempts, the time against the deadline, and what Braze ended up storing.
Nothing is ever stored twice; an attribute-only update that could land did land."""
import collections
import contextlib
import re
import socket
import time

import pytest
import requests

import local_braze
from support import REASONS, BrazeUserTrack, FakeClock, app, assert_no_key, free_port

DEADLINE = 1.5
SETTINGS = {'braze_deadline': str(DEADLINE), 'braze_connect_timeout': '0.3', 'braze_read_timeout': '0.3',
            'braze_max_attempts': '3'}
KINDS = {
    'attributes': {'external_id': 'm', 'attributes': {'plan': 'pro', 'first_name': 'Matrix Person'}},
    'events': {'external_id': 'm', 'attributes': {'plan': 'pro'}, 'events': [{'name': 'matrix_event'}]},
    'purchases': {'external_id': 'm', 'attributes': {'plan': 'pro'},
                  'purchases': [{'product_id': 'matrix_product', 'currency': 'USD', 'price': 9.5}]},
    'inc': {'external_id': 'm', 'attributes': {'plan': 'pro', 'visits': {'inc': 1}}},
}
# fault -> (success, BRAZE_ERROR, attempts, stored) for a replayable body, then for the others.
# stored: 'once' (Braze holds the update exactly once) or 'none'.
MATRIX = {
    'refused connection': (('error', 'unavailable', 3, 'none'),) * 2,
    'connect timeout': (('error', 'timeout', 3, 'none'),) * 2,
    'read timeout': (('true', None, 2, 'once'), ('error', 'timeout', 1, 'once')),
    'dropped connection': (('true', None, 2, 'once'), ('error', 'unavailable', 1, 'none')),
    '500': (('true', None, 2, 'once'), ('error', 'unavailable', 1, 'none')),
    # Braze documents 502 as failing before its servers: nothing was recorded, so events are resent too.
    '502': (('true', None, 2, 'once'),) * 2,
    '503': (('true', None, 2, 'once'), ('error', 'unavailable', 1, 'none')),
    '504': (('true', None, 2, 'once'), ('error', 'unavailable', 1, 'none')),
    '429 short': (('true', None, 2, 'once'),) * 2,
    '429 long': (('error', 'rate_limited', 1, 'none'),) * 2,
    'non-JSON 2xx': (('error', 'unexpected', 1, 'none'),) * 2,
    'non-JSON 5xx': (('true', None, 2, 'once'), ('error', 'unavailable', 1, 'none')),
    # The body carries an email Braze refuses: alone, the attributes object makes a 400; beside an
    # event or a purchase, a 201 whose errors name it while the rest is stored.
    '201 with errors': (('error', 'bad_request', 1, 'none'), ('error', 'rejected', 1, 'once')),
}


@contextlib.contextmanager
def dead_port():
    yield 'http://127.0.0.1:{}'.format(free_port())


@contextlib.contextmanager
def full_backlog():
    """A listener that never accepts, its backlog filled: the next connect is never answered."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(('127.0.0.1', port))
        fillers.append(filler)
    try:
        yield 'http://127.0.0.1:{}'.format(port)
    finally:
        for sock in fillers + [server]:
            sock.close()


def prepare(braze, fault):
    if fault == 'read timeout':
        braze.faults.add('delay', seconds=1.0, processed=True)
    elif fault == 'dropped connection':
        braze.faults.add('drop')
    elif fault.isdigit():
        braze.faults.add('status', status=int(fault))
    elif fault.startswith('429'):
        braze.rate_limiter.limit, braze.rate_limiter.window = 1, (1.0 if fault == '429 short' else 60.0)
        requests.post(braze.url + '/users/track', json={'attributes': [{'external_id': 'primer'}]},
                      headers={'Authorization': 'Bearer ' + braze.api_key}, timeout=5)
    elif fault == 'non-JSON 2xx':
        braze.faults.add('garbage', status=200)
    elif fault == 'non-JSON 5xx':
        braze.faults.add('garbage', status=503)


def stored(braze, kind):
    profile = next((p for p in braze.store.snapshot() if p['external_id'] == 'm'), None)
    if profile is None:
        return 0
    return {
        'attributes': 1 if profile['attributes'].get('plan') == 'pro' else 0,
        'events': sum(1 for e in profile['events'] if e['name'] == 'matrix_event'),
        'purchases': sum(1 for p in profile['purchases'] if p['product_id'] == 'matrix_product'),
        'inc': profile['attributes'].get('visits', 0),
    }[kind]


def run_cell(fault, kind):
    wall = FakeClock(start=2000000000.0)
    with local_braze.running(rate_clock=wall) as braze:
        target = {'refused connection': dead_port, 'connect timeout': full_backlog}.get(fault)
        with (target() if target else contextlib.nullcontext(braze.url)) as url, \
                _params({'sandbox': dict(SETTINGS, braze_url=url, braze_api_key=braze.api_key)}):
            prepare(braze, fault)
            payload = dict(KINDS[kind])
            if fault == '201 with errors':
                payload['attributes'] = dict(payload['attributes'], email='person@localhost')
            lines = []
            started = time.monotonic()
            result = BrazeUserTrack(sleep=wall.sleep, wall=wall).execute(lines.append, payload,
                                                                          {'env': 'sandbox'})
            elapsed = time.monotonic() - started
            time.sleep(0.05) if fault == 'read timeout' else None  # let the delayed answer finish
            assert_no_key(lines, braze.api_key)
            assert not any('Matrix Person' in line or 'person@localhost' in line for line in lines)
            assert (result.get('BRAZE_ERROR') or 'config') in REASONS
            attempts = int(re.search(r'attempts=(\d+)', lines[-1]).group(1))
            return result, attempts, elapsed, stored(braze, kind)


@contextlib.contextmanager
def _params(params):
    """app.PARAMS for one cell, put back however the cell ends."""
    saved = app.PARAMS
    app.PARAMS = params
    try:
        yield
    finally:
        app.PARAMS = saved


def expected(fault, kind):
    replayable, other = MATRIX[fault]
    # inc counts twice if replayed, but a 201 with errors is answered once and never replayed.
    return replayable if kind == 'attributes' or (fault == '201 with errors' and kind == 'inc') else other


CELLS = [(fault, kind) for fault in MATRIX for kind in KINDS]


@pytest.fixture(scope='module')
def table(request):
    """The whole matrix as a table, printed once its cells have run (python -m pytest -s shows it)."""
    rows = collections.OrderedDict()
    yield rows
    if rows:
        lines = ['', 'fault matrix (outcome, attempts, elapsed, stored) with a {} s deadline:'.format(DEADLINE),
                 '| fault | ' + ' | '.join(KINDS) + ' |', '| --- ' * (len(KINDS) + 1) + '|']
        lines += ['| {} | {} |'.format(fault, ' | '.join(cells.get(kind, '-') for kind in KINDS))
                  for fault, cells in rows.items()]
        with request.config.pluginmanager.getplugin('capturemanager').global_and_fixture_disabled():
            print('\n'.join(lines))


@pytest.mark.parametrize('fault, kind', CELLS, ids=['{}-{}'.format(f.replace(' ', '_'), k) for f, k in CELLS])
def test_fault_matrix_cell(fault, kind, table):
    """One cell: python -m pytest "tests/test_fault_matrix.py::test_fault_matrix_cell[503-events]"."""
    result, tried, elapsed, count = run_cell(fault, kind)
    got = (result['success'], result.get('BRAZE_ERROR') or None, tried, {0: 'none', 1: 'once'}.get(count, count))
    table.setdefault(fault, {})[kind] = '{}{} x{} {:.2f}s {}'.format(
        result['success'], '/' + result['BRAZE_ERROR'] if result.get('BRAZE_ERROR') else '', tried, elapsed, got[3])
    assert got == expected(fault, kind)
    assert elapsed <= DEADLINE + 0.3
