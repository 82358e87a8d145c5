# -*- coding: utf-8 -*-
"""Fixtures. Every test that captures logs is checked afterwards: no line holds the API key or
any 6-character piece of it."""
import os

import pytest
import responses

import local_braze
from support import API_KEY, LINK_SECRETS, URL, BrazeUserTrack, FakeClock, Logs, app, assert_no_key


@pytest.fixture(autouse=True)
def params_put_back():
    """No test leaves app.PARAMS changed for the next one (monkeypatch, or save and restore)."""
    before = app.PARAMS
    yield
    assert app.PARAMS is before, 'this test changed app.PARAMS and did not put it back'


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def logs():
    captured = Logs()
    yield captured
    assert_no_key(captured)


@pytest.fixture
def params(monkeypatch):
    """app.PARAMS with a sandbox block pointing at Braze's URL (answered by ``mocked``)."""
    block = {'braze_url': URL, 'braze_api_key': API_KEY, 'braze_user_track': 'users/track'}
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': block, 'live': dict(block)})
    return block


@pytest.fixture
def mocked():
    """Braze's answers mocked at the HTTP adapter (responses)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def wall():
    """A wall clock shared by a node's sleeper and the emulator's rate limiter: no real waits."""
    return FakeClock(start=2000000000.0)


@pytest.fixture
def braze(wall, monkeypatch, request):
    """A local_braze on loopback with app.PARAMS pointing at it (``braze.block`` is that block).
    Options for the emulator come from ``@pytest.mark.emulator(...)``."""
    marker = request.node.get_closest_marker('emulator')
    options = dict(marker.kwargs) if marker else {}
    options.setdefault('rate_clock', wall)
    options.setdefault('api_key', API_KEY)
    with local_braze.running(**options) as emulator:
        block = {'braze_url': emulator.url, 'braze_api_key': emulator.api_key, 'braze_deadline': '2',
                 'braze_read_timeout': '1', 'braze_link_secrets': dict(LINK_SECRETS)}
        monkeypatch.setattr(app, 'PARAMS', {'sandbox': block})
        emulator.block = block
        yield emulator


@pytest.fixture
def make(clock):
    """make(NodeClass) -> a node with a fake clock and no real sleeps (jitter fixed at 0.5)."""
    def build(node_class, **overrides):
        options = dict(clock=clock, sleep=clock.sleep, rand=lambda: 0.5, wall=lambda: 1700000000.0)
        options.update(overrides)
        return node_class(**options)
    return build


@pytest.fixture
def node(request, make, wall):
    """The BrazeUserTrack most tests call: against the emulator (the ``braze`` fixture) it sleeps on the
    emulator's clock, so a 429's wait passes for both; otherwise it runs on ``make``'s fake clock."""
    if 'braze' in request.fixturenames:
        return BrazeUserTrack(sleep=wall.sleep, wall=wall)
    return make(BrazeUserTrack)


@pytest.fixture
def on_emulator(wall):
    """on_emulator(NodeClass) -> a node that sleeps on the emulator's clock (see ``node``)."""
    return lambda node_class: node_class(sleep=wall.sleep, wall=wall)


if 'MUTANT_UNDER_TEST' in os.environ:  # a mutmut run (docs/mutation.md)
    import mutmut_names
    mutmut_names.install()


def pytest_configure(config):
    config.addinivalue_line('markers', 'emulator(**options): options for the braze fixture')
