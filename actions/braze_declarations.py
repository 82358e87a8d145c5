# -*- coding: utf-8 -*-
"""What each node is, declared once, as plain data: the endpoints it calls and the permission each
needs, the Parameter Input keys it takes, the globals it reads by default and sets, its routing
values and the settings it reads.

The node reads its declaration (``blanks``, the result's keys, the settings it checks, the
permission in a 403's line); so do the tools: ``lint`` (routes, Decision Variable, Parameter Input
keys), ``doctor`` (one probe per permission, each node's settings), ``install-into`` and the README
check (tests/test_declarations.py). It imports nothing of this package, so a tool can read it
without loading a node, requests or urllib3.
"""
import collections
import re

# A Braze REST endpoint and the API-key permission Braze asks for on it (Braze's endpoint pages).
Endpoint = collections.namedtuple('Endpoint', 'path permission')

TRACK = Endpoint('users/track', 'users.track')
EXPORT = Endpoint('users/export/ids', 'users.export.ids')
IDENTIFY = Endpoint('users/identify', 'users.identify')
MERGE = Endpoint('users/merge', 'users.merge')
ALIAS_NEW = Endpoint('users/alias/new', 'users.alias.new')
CANVAS_SEND = Endpoint('canvas/trigger/send', 'canvas.trigger.send')
CAMPAIGN_SEND = Endpoint('campaigns/trigger/send', 'campaigns.trigger.send')

# One Parameter Input key: its kind (identifier, object, list, flag, text, name, map, url) and
# whether the values it holds are personal data (masked in every log line).
Input = collections.namedtuple('Input', 'kind personal')
IDENTIFIER = Input('identifier', True)
BRAZE_ID = Input('identifier', False)

# Settings every node that calls Braze reads: where the key goes, the key, and the time budget.
TRANSPORT_SETTINGS = ('braze_url', 'braze_api_key', 'braze_allowed_host', 'braze_ca_bundle',
                      'braze_connect_timeout', 'braze_read_timeout', 'braze_deadline', 'braze_max_attempts')

# A route value that stands for any lower-case word the flow chooses (a link's cohort).
ANY_WORD = '*'

# name: the class (and file) name. endpoints: what it calls, in the order it may call them.
# inputs: {key: Input}. refused: keys it knows and refuses (invalid_input, nothing sent), with why.
# reads: globals it reads when the Parameter Input does not say otherwise. sets: the globals it
# sets, each on every outcome ("" where it has none); mapped: the Parameter Input key whose map
# names further globals it sets (the lookup's "globals"). routes: {route global: values it can
# hold}, ``success`` first. settings: its own settings, beside TRANSPORT_SETTINGS when it calls Braze.
# A key the node does not take is left out and named (``unknown_input`` says why, with the fix).
Node = collections.namedtuple('Node', 'name endpoints inputs refused reads sets mapped routes settings')

_AUDIENCE = 'a chat sends to its one user only'
_TRIGGER_INPUTS = (('external_id', IDENTIFIER), ('user_alias', IDENTIFIER), ('attributes', Input('object', False)),
                   ('send_to_existing_only', Input('flag', False)), ('broadcast', Input('flag', False)))
_TRIGGER_REFUSED = (('recipients', _AUDIENCE), ('audience', _AUDIENCE), ('segment_id', _AUDIENCE),
                    ('external_user_ids', _AUDIENCE), ('user_aliases', _AUDIENCE))


# Runs once, at import (mutmut switches mutants per call, after import: none of this could be run under
# one); the tables it builds are what test_declarations.py and the README check read.
def _node(name, endpoints=(), inputs=(), refused=(), reads=(), sets=(), mapped=None, routes=(),  # pragma: no mutate block
          settings=()):
    # Every node names what it left out of its input (BRAZE_DROPPED) and why it failed (BRAZE_ERROR).
    sets = tuple(sets) + (() if 'BRAZE_DROPPED' in sets else ('BRAZE_DROPPED',)) + ('BRAZE_ERROR',)
    return Node(name, tuple(endpoints), collections.OrderedDict(inputs), collections.OrderedDict(refused),
                tuple(reads), sets, mapped,
                collections.OrderedDict((key, tuple(values)) for key, values in routes), tuple(settings))


NODES = collections.OrderedDict((node.name, node) for node in (
    _node('BrazeUserTrack', endpoints=[TRACK],
          inputs=[('external_id', IDENTIFIER), ('user_alias', IDENTIFIER), ('braze_id', BRAZE_ID),
                  ('email', IDENTIFIER), ('phone', IDENTIFIER), ('attributes', Input('object', True)),
                  ('events', Input('list', False)), ('purchases', Input('list', False)),
                  ('update_existing_only', Input('flag', False)), ('merge_objects', Input('flag', False))],
          # The flat form (the partner page's template): these globals, when no explicit key is given.
          reads=['USER_ID', 'FIRST_NAME', 'LAST_NAME', 'EMAIL_ADDRESS', 'DATE_OF_BIRTH', 'CITY_OF_RESIDENCE',
                 'OPERATING_SYSTEM', 'NAME_OF_EVENT', 'EVENT_TIME'],
          sets=['BRAZE_REJECTED', 'BRAZE_DROPPED'],
          routes=[('success', ('true', 'error'))],
          settings=['braze_contract', 'braze_max_objects', 'braze_retry_non_idempotent', 'braze_user_track']),
    _node('BrazeUserLookup', endpoints=[EXPORT],
          inputs=[('external_id', IDENTIFIER), ('user_alias', IDENTIFIER), ('braze_id', BRAZE_ID),
                  ('email', IDENTIFIER), ('phone', IDENTIFIER), ('globals', Input('map', False))],
          reads=['USER_ID'],
          sets=['BRAZE_ID', 'BRAZE_EXTERNAL_ID'], mapped='globals',
          routes=[('success', ('true', 'not_found', 'multiple', 'error'))]),
    _node('BrazeUserIdentify', endpoints=[EXPORT, IDENTIFY, MERGE, ALIAS_NEW],
          inputs=[('external_id', IDENTIFIER), ('user_alias', IDENTIFIER)],
          reads=['USER_ID'],
          sets=['BRAZE_IDENTIFIED'],
          routes=[('success', ('true', 'error'))]),
    _node('BrazeCanvasTrigger', endpoints=[CANVAS_SEND],
          inputs=(('canvas', Input('name', False)), ('canvas_id', Input('text', False))) + _TRIGGER_INPUTS + (
              ('entry_properties', Input('object', False)), ('canvas_entry_properties', Input('object', False)),
              ('context', Input('object', False))),
          refused=_TRIGGER_REFUSED, reads=['USER_ID'],
          sets=['BRAZE_DISPATCH_ID'],
          routes=[('success', ('true', 'error'))],
          settings=['braze_canvases']),
    _node('BrazeCampaignTrigger', endpoints=[CAMPAIGN_SEND],
          inputs=(('campaign', Input('name', False)), ('campaign_id', Input('text', False))) + _TRIGGER_INPUTS + (
              ('trigger_properties', Input('object', False)),),
          refused=_TRIGGER_REFUSED, reads=['USER_ID'],
          sets=['BRAZE_DISPATCH_ID'],
          routes=[('success', ('true', 'error'))],
          settings=['braze_campaigns']),
    _node('BrazeSubscriptionSet', endpoints=[TRACK],
          inputs=[('group', Input('name', False)), ('state', Input('text', False)),
                  ('double_opt_in', Input('flag', False)), ('email_subscribe', Input('text', False)),
                  ('push_subscribe', Input('text', False)), ('external_id', IDENTIFIER), ('user_alias', IDENTIFIER),
                  ('consent', Input('object', False)), ('event', Input('text', False))],
          reads=['USER_ID'],
          sets=['BRAZE_REJECTED'],
          routes=[('success', ('true', 'error'))],
          settings=['braze_subscription_groups']),
    _node('BrazeVerifyLink',
          inputs=[('url', Input('url', True))],
          sets=['BRAZE_LINK_EXTERNAL_ID', 'BRAZE_LINK_COHORT', 'BRAZE_LINK_ROUTE'],
          routes=[('success', ('verified', 'expired', 'invalid', 'missing', 'error')),
                  ('BRAZE_LINK_ROUTE', (ANY_WORD, 'verified', 'expired', 'invalid', 'missing', 'error'))],
          settings=['braze_link_secrets', 'braze_link_max_age']),
))


# A Parameter Input key that names a global (the platform hands globals over by name, as the
# partner page's template reads FIRST_NAME): never an unknown key.
GLOBAL_NAME = re.compile(r'[A-Z][A-Z0-9_]*')
# Braze's standard attributes (api/objects_filters/user_attributes_object): written at the top of
# a Parameter Input instead of inside "attributes", they are named with where they go.
STANDARD_ATTRIBUTES = frozenset((
    'first_name', 'last_name', 'email', 'phone', 'dob', 'home_city', 'gender', 'country', 'language',
    'time_zone', 'email_subscribe', 'push_subscribe', 'subscription_groups', 'current_location',
    'date_of_first_session', 'date_of_last_session', 'email_open_tracking_disabled',
    'email_click_tracking_disabled'))  # braze_fields.ATTRIBUTES's names (tests/test_declarations.py holds them equal)


def unknown_input(node, key):
    """None when ``node`` takes Parameter Input ``key``, else why not and what to write instead: the
    words the node logs and lint prints alike."""
    if key in node.inputs or key in node.refused or GLOBAL_NAME.fullmatch(key):
        return None
    if 'attributes' in node.inputs and key in STANDARD_ATTRIBUTES - set(node.inputs):
        return 'not a {} key; attributes go in "attributes"'.format(node.name)
    close = close_matches(key.lower(), list(node.inputs), n=1, cutoff=0.75)
    if close:
        return 'not a {} key: did you mean "{}"?'.format(node.name, close[0])
    return 'not a {} key (its keys: {})'.format(node.name, ', '.join(node.inputs))


def settings_of(node):
    """Every setting ``node`` reads: the transport's when it calls Braze, then its own."""
    return (TRANSPORT_SETTINGS if node.endpoints else ()) + node.settings


def permissions_of(node):
    """The permissions ``node``'s key needs, each once, in the order the node may use them."""
    return tuple(collections.OrderedDict((endpoint.permission, None) for endpoint in node.endpoints))


def close_matches(word, choices, **options):
    """difflib's close matches, imported on the rare path that needs them (not at every cold start)."""
    import difflib
    return difflib.get_close_matches(word, choices, **options)
