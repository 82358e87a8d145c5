# -*- coding: utf-8 -*-
"""Fixtures. Every test that captures logs is checked afterwards: no line holds the API key
or any 6-character piece of it."""
import pytest

from support import API_KEY, URL, BrazeUserTrack, FakeClock, Logs, app, assert_no_key


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
    """Replace app.PARAMS with a sandbox block pointing at URL; the test may edit it."""
    block = {'braze_url': URL, 'braze_api_key': API_KEY, 'braze_user_track': 'users/track'}
    monkeypatch.setattr(app, 'PARAMS', {'sandbox': block, 'live': dict(block)})
    return block


@pytest.fixture
def node(clock):
    return BrazeUserTrack(clock=clock, sleep=clock.sleep, rand=lambda: 0.5, wall=lambda: 1700000000.0)
