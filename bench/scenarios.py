# -*- coding: utf-8 -*-
"""The three ways of sending the seed payload that the benchmark compares."""
import datetime
import json
import os

import requests

from local_pypestream.solution import ROOT, load_module, load_solution

# The README's quick-start example: the seed template's six fields plus one event.
with open(os.path.join(ROOT, 'examples', 'seed.json')) as _handle:
    SEED_PAYLOAD = json.load(_handle)
CONTEXT = {'env': 'sandbox', 'chat_id': 'bench-chat', 'user_data': {}}
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


def configure(url, api_key, ca_bundle=None):
    """Point the solution's sandbox block at the benchmark server."""
    app = load_solution().app
    block = {'braze_url': url, 'braze_api_key': api_key, 'braze_user_track': 'users/track'}
    if ca_bundle:
        block['braze_ca_bundle'] = ca_bundle
    app.PARAMS = {'sandbox': block}


def node_body(payload=SEED_PAYLOAD):
    """The exact bytes the node sends for ``payload`` (its first request)."""
    build_user = load_module('actions.braze_payload').build_user
    build_requests = load_module('actions.braze_request').build_requests
    return build_requests(build_user(payload, CONTEXT, NOW).objects(), 75)[0][0].body


def floor(url, api_key, verify=True):
    """(a) The least any client can do: a keep-alive Session posting prebuilt bytes (with no
    per-call environment lookups, like the node's own session)."""
    session = requests.Session()
    session.trust_env = False
    target = url + '/users/track'
    body = node_body()
    headers = {'Authorization': 'Bearer ' + api_key, 'Content-Type': 'application/json',
               'Accept': 'application/json', 'User-Agent': load_module('actions.braze_version').USER_AGENT}

    def call():
        response = session.post(target, data=body, headers=headers, timeout=(2, 4), verify=verify,
                                allow_redirects=False)
        return response.status_code == 201
    return call


def node():
    """(b) The node, called as the platform calls it."""
    instance = load_module('actions.BrazeUserTrack').BrazeUserTrack()
    lines = []

    def call():
        del lines[:]
        return instance.execute(lines.append, dict(SEED_PAYLOAD), dict(CONTEXT))['success'] == 'true'
    return call


def seed_template(url, api_key, verify=True):
    """(c) What Braze's partner-page template does per call, fixed only enough to run: a new
    connection per call (module-level ``requests.post``), the data as query parameters, the raw
    key as the Authorization header, and the response text logged."""
    target = '{}/{}'.format(url, 'users/track')
    p = SEED_PAYLOAD
    lines = []

    def call():
        req_params = {
            'attributes': [{'external_id': p['USER_ID'], 'first_name': p['FIRST_NAME'],
                            'last_name': p['LAST_NAME'], 'email': p['EMAIL_ADDRESS'],
                            'dob': p['DATE_OF_BIRTH'], 'home_city': p['CITY_OF_RESIDENCE'],
                            'operating_system': p['OPERATING_SYSTEM']}],
            'events': [{'external_id': p['USER_ID'], 'name': p['NAME_OF_EVENT'], 'time': p['EVENT_TIME']}],
            'partner': 'pypestream',
        }
        headers = {'Authorization': api_key, 'Content-Type': 'application/json'}
        response = requests.post(target, params=req_params, headers=headers, verify=verify, timeout=10)
        lines.append('BrazeExample API response: {}'.format(response.text))
        del lines[:]
        return response.status_code != 400
    return call


def building(payload):
    """Payload building alone: Parameter Input -> request bodies, no network."""
    build_user = load_module('actions.braze_payload').build_user
    build_requests = load_module('actions.braze_request').build_requests

    def call():
        return build_requests(build_user(payload, CONTEXT, NOW).objects(), 75)
    return call


def explicit_200():
    return {'external_id': 'bench-user-2', 'attributes': {'plan': 'pro', 'first_name': 'Grace'},
            'events': [{'name': 'step', 'time': '2026-11-23T10:00:00Z', 'properties': {'n': n, 'page': 'p'}}
                       for n in range(150)],
            'purchases': [{'product_id': 'sku-{}'.format(n), 'currency': 'USD', 'price': 9.5,
                           'time': '2026-11-23T10:00:00Z'} for n in range(49)]}
