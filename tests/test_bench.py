# -*- coding: utf-8 -*-
"""The benchmark keeps working and compares like with like (its figures are read, not asserted)."""
import json

import pytest

import local_braze
from bench import scenarios
from support import app


@pytest.fixture(autouse=True)
def keep_params(monkeypatch):
    monkeypatch.setattr(app, 'PARAMS', app.PARAMS)  # the benchmark repoints PARAMS; put it back after


def test_every_floor_posts_exactly_the_bytes_the_node_sends():
    with local_braze.running() as braze:
        scenarios.configure(braze.url, braze.api_key)
        body = scenarios.track_body()
        for call in (scenarios.node(), scenarios.session_post(braze.url, braze.api_key, body),
                     scenarios.session_send(braze.url, braze.api_key, body),
                     scenarios.raw_http(braze.url, braze.api_key, body)):
            assert call()
    assert len(braze.received) == 4
    assert all(sent == json.loads(body) for sent in braze.received)


def test_the_lookup_floor_sends_the_lookup_node_bytes():
    with local_braze.running() as braze:
        scenarios.configure(braze.url, braze.api_key)
        assert scenarios.node()()
        assert scenarios.node('BrazeUserLookup', scenarios.LOOKUP_PAYLOAD)()
        assert scenarios.session_post(braze.url, braze.api_key, scenarios.lookup_body(), path=scenarios.EXPORT)()
    exports = [body for path, body in braze.requests if path == '/users/export/ids']
    assert exports[0] == exports[1]


def test_fresh_calls_open_a_new_connection_each_time():
    with local_braze.running() as braze:
        scenarios.configure(braze.url, braze.api_key)
        node = scenarios.node(fresh=True)
        assert node() and node()
        floor = scenarios.session_post(braze.url, braze.api_key, scenarios.track_body(), fresh=True)
        assert floor() and floor()
    assert len(braze.connections) == 4


def test_seed_template_sends_query_parameters_on_a_new_connection_each_call():
    with local_braze.running(fast=True) as braze:
        call = scenarios.seed_template(braze.url, braze.api_key)
        assert call() and call()
        assert len(braze.connections) == 2


def test_smoke_run_prints_the_table(capsys):
    from bench.__main__ import main
    assert main(['--smoke']) == 0
    out = capsys.readouterr().out
    for row in ('HTTP (a) floor', 'HTTP (a2) floor', 'HTTP (a3) floor', 'HTTP (b) BrazeUserTrack.execute',
                'HTTPS (c) seed template', 'HTTPS new connection (b)', 'lookup (b) BrazeUserLookup.execute',
                'cold start: import the nodes', 'deadline-keeping sockets', 'peak memory',
                'HTTP (b)/(a) <= 1.00', 'HTTPS (b)/(a) <= 1.00', 'new HTTPS connection (b)/(a) <= 0.20'):
        assert row in out


def test_the_instruction_count_reads_callgrind_s_total():
    from bench.instructions import collected
    report = '==20101== Events    : Ir\n==20101== Collected : 746157034\n==20101==\n==20101== I   refs:      746,157,034\n'
    assert collected(report) == 746157034
    assert collected('valgrind: command not found') is None


def test_the_instruction_count_says_plainly_that_valgrind_is_missing(monkeypatch, capsys):
    from bench import instructions
    monkeypatch.setattr(instructions.shutil, 'which', lambda name: None)
    assert instructions.main([]) == 2
    assert 'valgrind is not installed' in capsys.readouterr().err
