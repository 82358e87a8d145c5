# -*- coding: utf-8 -*-
"""The ways of sending the seed payload that the benchmark compares, each as a zero-argument call."""
import datetime
import http.client
import io
import json
import os
import ssl
from urllib.parse import urlsplit

import requests

from local_pypestream.solution import ROOT, load_module, load_node, load_solution

# The README's quick-start example: the seed template's six fields plus one event.
with open(os.path.join(ROOT, 'examples', 'seed.json')) as _handle:
    SEED_PAYLOAD = json.load(_handle)
LOOKUP_PAYLOAD = {'external_id': SEED_PAYLOAD['USER_ID']}
CONTEXT = {'env': 'sandbox', 'chat_id': 'bench-chat', 'user_data': {}}
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
TRACK, EXPORT = 'users/track', 'users/export/ids'


def configure(url, api_key, ca_bundle=None):
    """Point the solution's sandbox block at the benchmark server."""
    block = {'braze_url': url, 'braze_api_key': api_key}
    if ca_bundle:
        block['braze_ca_bundle'] = ca_bundle
    load_solution().app.PARAMS = {'sandbox': block}


def track_body(payload=SEED_PAYLOAD):
    """The exact bytes the node sends for ``payload`` (its first request)."""
    built = building(payload)()
    return built.requests[0].body


def lookup_body():
    return load_module('actions.braze_lookup').build(dict(LOOKUP_PAYLOAD), CONTEXT, _budget()).request.body


def _budget():
    return load_module('actions.braze_variables').Budget(lambda: 1.0)


def headers(api_key):
    return {'Authorization': 'Bearer ' + api_key, 'Content-Type': 'application/json', 'Accept': 'application/json',
            'Accept-Encoding': 'identity', 'User-Agent': load_module('actions.braze_version').USER_AGENT}


def session_post(url, api_key, body, verify=True, path=TRACK, fresh=False):
    """(a) A keep-alive Session.post of the node's bytes, with no per-call environment lookups
    (trust_env off, like the node). ``fresh``: a new connection every call (pool cleared)."""
    session = requests.Session()
    session.trust_env = False
    target, sent = '{}/{}'.format(url, path), headers(api_key)
    pool = session.get_adapter(target).poolmanager

    def call():
        if fresh:
            pool.clear()
        response = session.post(target, data=body, headers=sent, timeout=(2, 4), verify=verify, allow_redirects=False)
        return response.status_code == 201
    return call


def session_send(url, api_key, body, verify=True, path=TRACK):
    """(a2) A prepared request sent with Session.send: the least requests can do per call."""
    session = requests.Session()
    session.trust_env = False
    prepared = requests.Request('POST', '{}/{}'.format(url, path), headers=headers(api_key), data=body).prepare()

    def call():
        return session.send(prepared, timeout=(2, 4), verify=verify, allow_redirects=False).status_code == 201
    return call


def raw_http(url, api_key, body, ca_bundle=None, path=TRACK):
    """(a3) A keep-alive http.client POST of the same bytes: the least Python can do per call."""
    parts = urlsplit(url)
    if parts.scheme == 'https':
        context = ssl.create_default_context(cafile=ca_bundle)
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=4, context=context)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=4)
    sent = dict(headers(api_key), **{'Content-Length': str(len(body))})

    def call():
        connection.request('POST', '/' + path, body=body, headers=sent)
        response = connection.getresponse()
        response.read()
        return response.status == 201
    return call


def node(name='BrazeUserTrack', payload=SEED_PAYLOAD, transport=None, fresh=False):
    """(b) A node, called as the platform calls it (``transport``: an adapter stand-in, to price parts)."""
    instance = load_node(name)(transport=transport) if transport else load_node(name)()
    wire = load_module('actions.braze_wire')
    settings = load_module('actions.braze_settings')
    lines = []

    def call():
        if fresh:
            wire.adapter(settings.load(load_solution().app, CONTEXT)).poolmanager.clear()
        del lines[:]
        return instance.execute(lines.append, dict(payload), dict(CONTEXT))['success'] == 'true'
    return call


class _AnsweringPool(object):
    """A connection pool whose every request is answered at once with Braze's success body."""
    BODY = b'{"message":"success","attributes_processed":1,"events_processed":1}'

    def urlopen(self, method, url, body=None, headers=None, **options):
        from urllib3.response import HTTPResponse
        return HTTPResponse(body=io.BytesIO(self.BODY), status=201, preload_content=False, decode_content=False,
                            headers={'Content-Type': 'application/json', 'Content-Length': str(len(self.BODY))})


def instant_transport():
    """The node's own adapter (requests' send, its hooks, the response it builds) over a pool that
    answers at once, with no socket: a call's time is then the node's own CPU, the HTTP stack's
    bookkeeping included, the network and the server excluded."""
    wire = load_module('actions.braze_wire')
    pool = _AnsweringPool()

    class Instant(wire.BrazeAdapter):
        def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
            return pool

        def get_connection(self, url, proxies=None):  # requests before 2.32.2
            return pool

    return Instant(None)


def unbounded_adapter():
    """The node's adapter over urllib3's own pools and sockets (plain HTTP): the difference to the
    node's own is the price of the deadline-keeping sockets."""
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    adapter = load_module('actions.braze_wire').BrazeAdapter(None)
    adapter.poolmanager.pool_classes_by_scheme = {'http': HTTPConnectionPool, 'https': HTTPSConnectionPool}
    return adapter


def seed_template(url, api_key, verify=True):
    """(c) What Braze's partner-page template does per call, fixed only enough to run: a new
    connection per call (module-level ``requests.post``), the data as query parameters, the raw
    key as the Authorization header, and the response text logged."""
    target = '{}/{}'.format(url, TRACK)
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
        response = requests.post(target, params=req_params, headers={'Authorization': api_key,
                                                                     'Content-Type': 'application/json'},
                                 verify=verify, timeout=10)
        lines.append('BrazeExample API response: {}'.format(response.text))
        del lines[:]
        return response.status_code != 400
    return call


def building(payload):
    """Payload building alone: Parameter Input -> request bodies, no network."""
    track = load_module('actions.braze_track')
    batches = load_module('actions.braze_batches')

    def call():
        return batches.split(track.build(dict(payload), CONTEXT, NOW, _budget()).objects, None, 75)
    return call


def explicit_200():
    return {'external_id': 'bench-user-2', 'attributes': {'plan': 'pro', 'first_name': 'Grace'},
            'events': [{'name': 'step', 'time': '2026-11-23T10:00:00Z', 'properties': {'n': n, 'page': 'p'}}
                       for n in range(150)],
            'purchases': [{'product_id': 'sku-{}'.format(n), 'currency': 'USD', 'price': 9.5,
                           'time': '2026-11-23T10:00:00Z'} for n in range(49)]}
