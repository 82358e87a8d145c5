# -*- coding: utf-8 -*-
"""16 threads share one node and its session against local_braze (its own process) with a rate
limit and faults injected throughout: no exception, no cross-talk between users, results that
match what Braze stored, flat memory. Loopback only, bounded in calls and time.
BRAZE_SLOW=1 runs the long soak (see README)."""
import collections
import os
import random
import subprocess
import sys
import threading
import time
import tracemalloc

import requests

from support import BrazeUserTrack, app, assert_no_key

SLOW = os.environ.get('BRAZE_SLOW') == '1'
THREADS = 16
CALLS = 20000 if SLOW else 960
TIME_LIMIT = 900 if SLOW else 90
KEY = 'soak-test-key-5d1c2b'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAULTS = ['503', '500', 'drop', 'garbage:502', '502']  # none processed: an error means nothing stored


def start_braze():
    process = subprocess.Popen([sys.executable, '-m', 'local_braze', '--api-key', KEY, '--rate-limit', '150',
                                '--rate-window', '1'], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip().rsplit(' ', 1)[1]


def test_concurrent_soak_with_faults_and_rate_limit(capsys):
    process, url = start_braze()
    saved = app.PARAMS
    app.PARAMS = {'sandbox': {'braze_url': url, 'braze_api_key': KEY, 'braze_deadline': '3',
                              'braze_read_timeout': '1', 'braze_connect_timeout': '0.5'}}
    node = BrazeUserTrack()
    lock = threading.Lock()
    outcomes = collections.Counter()
    latencies, problems = [], []
    events_recorded = collections.Counter()
    attributes_recorded = set()
    users = set()
    stop_at = time.monotonic() + TIME_LIMIT
    memory = {}
    done_calls = [0]

    def worker(thread):
        try:
            work(thread)
        except BaseException as error:  # an assert in a thread is only a warning: hand it to the test
            with lock:
                problems.append('worker {} failed: {!r}'.format(thread, error))

    def work(thread):
        rng = random.Random(thread)
        for i in range(CALLS // THREADS):
            if time.monotonic() > stop_at:
                return
            user = 'soak-{}-{}'.format(thread, i % 4)
            payload = {'external_id': user, 'attributes': {'owner': user, 'thread': thread,
                                                          'first_name': 'Soak Person'}}
            with_event = rng.random() < 0.5
            if with_event:
                payload['events'] = [{'name': 'evt-' + user, 'properties': {'i': i}}]
            lines = []
            started = time.monotonic()
            try:
                result = node.execute(lines.append, payload, {'env': 'sandbox', 'chat_id': user})
            except Exception as error:  # the node must never raise; record it to fail the test
                with lock:
                    problems.append(repr(error))
                continue
            elapsed = time.monotonic() - started
            leaks = [line for line in lines if 'Soak Person' in line or KEY[:6] in line]
            with lock:
                users.add(user)
                latencies.append(elapsed)
                outcomes[result.get('BRAZE_ERROR') or 'success'] += 1
                if result['success'] == 'true':
                    attributes_recorded.add(user)
                    if with_event:
                        events_recorded[user] += 1
                if leaks or elapsed > 3.5:
                    problems.append((result, elapsed, leaks))
                done_calls[0] += 1
                if done_calls[0] == CALLS // 4:
                    memory['quarter'] = client_memory()
            try:
                assert_no_key(lines + list(result.values()), KEY)
            except AssertionError as leak:
                with lock:
                    problems.append(str(leak))

    injected = [0]

    def injector(finished):
        rng = random.Random(99)
        try:
            while not finished.wait(0.05):
                answer = requests.post(url + '/_local/faults', json={'spec': rng.choice(FAULTS)}, timeout=5)
                assert answer.status_code == 200, answer.status_code
                injected[0] += 1
        except BaseException as error:  # a dead injector means a soak without faults: fail the test
            with lock:
                problems.append('fault injector failed: {!r}'.format(error))

    tracemalloc.start()
    finished = threading.Event()
    chaos = threading.Thread(target=injector, args=(finished,))
    workers = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    started = time.monotonic()
    try:
        chaos.start()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        memory['end'] = client_memory()
        finished.set()
        chaos.join()
        tracemalloc.stop()
        exported = read_back(url, sorted(users))
    finally:
        finished.set()
        app.PARAMS = saved
        process.terminate()
        process.wait(timeout=10)
    wall = time.monotonic() - started

    latencies.sort()
    calls = len(latencies)
    with capsys.disabled():
        print('\nsoak: {} calls in {:.1f} s on {} threads; outcomes {}; p50 {:.1f} ms, p99 {:.1f} ms; '
              'client memory {:.0f} KiB after a quarter, {:.0f} KiB at the end'.format(
                  calls, wall, THREADS, dict(outcomes), 1000 * latencies[calls // 2],
                  1000 * latencies[int(calls * 0.99)], memory['quarter'] / 1024, memory['end'] / 1024))
    assert not problems, problems[:5]
    assert injected[0] >= 1  # faults were injected throughout (the injector ran and is checked above)
    # Every call ran, or (the long soak only) the time limit stopped the run: then it says so.
    assert calls == CALLS or (SLOW and wall >= TIME_LIMIT), (calls, CALLS, wall)
    assert set(outcomes) <= {'success', 'unavailable', 'rate_limited', 'unexpected', 'timeout'}
    assert outcomes['success'] > calls // 2
    read = {profile['external_id'] for profile in exported}
    assert attributes_recorded and attributes_recorded <= read <= users  # every success read back, nothing foreign
    for profile in exported:  # each profile holds its own data and nothing else
        user = profile['external_id']
        assert profile['custom_attributes']['owner'] == user
        assert profile['custom_attributes']['thread'] == int(user.split('-')[1])
        names = {event['name']: event['count'] for event in profile.get('custom_events', [])}
        assert set(names) <= {'evt-' + user}
        assert names.get('evt-' + user, 0) == events_recorded[user], user
    assert memory['end'] - memory['quarter'] < 256 * 1024


def read_back(url, users):
    """Export in Braze's batches of 50, past any fault the injector left queued and the rate limit
    (this soak test waits for real on a 429); a batch that never succeeds fails the test."""
    exported = []
    for start in range(0, len(users), 50):
        for _ in range(200):
            try:
                answer = requests.post(url + '/users/export/ids', json={'external_ids': users[start:start + 50]},
                                       headers={'Authorization': 'Bearer ' + KEY}, timeout=10)
            except requests.exceptions.ConnectionError:
                continue
            if answer.status_code == 201:
                exported.extend(answer.json()['users'])
                break
            if answer.status_code == 429:
                time.sleep(0.25)
        else:
            raise AssertionError('the read-back of users {}.. never succeeded'.format(start))
    return exported


def client_memory():
    """Bytes held by everything but this test's own bookkeeping."""
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, __file__)])
    return sum(stat.size for stat in snapshot.statistics('filename'))
