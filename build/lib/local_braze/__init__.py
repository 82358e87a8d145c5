# -*- coding: utf-8 -*-
"""A local stand-in for Braze's REST API (development only; never deployed with the nodes).

    with local_braze.running() as braze:
        braze.url, braze.api_key, braze.profiles(), braze.sends.list(), braze.faults
"""
from .server import DEV_API_KEY, Emulator, running  # noqa: F401
