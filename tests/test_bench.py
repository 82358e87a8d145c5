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


def test_floor_posts_exactly_the_bytes_the_node_sends():
    with local_braze.running() as braze:
        scenarios.configure(braze.url, braze.api_key)
        assert scenarios.node()()
        assert scenarios.floor(braze.url, braze.api_key)()
        node_sent, floor_sent = braze.received
    assert node_sent == floor_sent == json.loads(scenarios.node_body())


def test_seed_template_sends_query_parameters_on_a_new_connection_each_call():
    with local_braze.running(fast=True) as braze:
        call = scenarios.seed_template(braze.url, braze.api_key)
        assert call() and call()
        assert len(braze.connections) == 2


def test_smoke_run_prints_the_table(capsys):
    from bench.__main__ import main
    assert main(['--smoke']) == 0
    out = capsys.readouterr().out
    for row in ('HTTP (a) floor', 'HTTP (b) BrazeUserTrack.execute', 'HTTPS (c) seed template',
                'cold start: import the node', 'building, explicit payload (200 objects)', 'peak memory'):
        assert row in out
