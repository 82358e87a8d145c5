# -*- coding: utf-8 -*-
"""Solution settings, in the shape Pypestream's action nodes expect (``app.PARAMS[env]``).

Every value comes from the environment, so no key ever sits in the source tree. Each
environment block reads ``BRAZE_<ENV>_<NAME>`` first and falls back to ``BRAZE_<NAME>``
(for example ``BRAZE_LIVE_API_KEY``, then ``BRAZE_API_KEY``). Values stay strings here:
the node validates and converts them at call time, so a typo in one variable becomes a
clear ``config`` error in the chat's log instead of a solution that fails to import.
"""
import os

NAME = os.environ.get('PYPESTREAM_CUSTOMER_NAME', 'Braze example')
BOTS = []
CSV_BOTS = [os.environ.get('PYPESTREAM_SOLUTION_NAME', 'BrazeExample')]
PATH = os.path.dirname(__file__)

# PARAMS key -> environment variable suffix. Only the first two are required; the rest are
# optional and have defaults in actions/braze_settings.py (README, "Configuration").
_SETTINGS = {
    'braze_url': 'URL',                       # REST endpoint of your cluster, e.g. https://rest.iad-01.braze.com
    'braze_api_key': 'API_KEY',               # REST API key with the permissions of the nodes you use
    'braze_connect_timeout': 'CONNECT_TIMEOUT',  # seconds per connection attempt
    'braze_read_timeout': 'READ_TIMEOUT',     # seconds waiting for Braze's answer
    'braze_deadline': 'DEADLINE',             # seconds for the whole call, retries included
    'braze_max_attempts': 'MAX_ATTEMPTS',     # attempts per request, first one included
    'braze_contract': 'CONTRACT',             # mau or standard (default: 75 objects combined), legacy (75 per array)
    'braze_max_objects': 'MAX_OBJECTS',       # a lower cap on objects per request
    'braze_retry_non_idempotent': 'RETRY_NON_IDEMPOTENT',  # may resend events after an ambiguous failure
    'braze_allowed_host': 'ALLOWED_HOST',     # a custom REST host (corporate proxy) to accept
    'braze_ca_bundle': 'CA_BUNDLE',           # a CA bundle added to the public trust store (that proxy)
    'braze_canvases': 'CANVASES',             # JSON: Canvas name -> id, for BrazeCanvasTrigger
    'braze_campaigns': 'CAMPAIGNS',           # JSON: campaign name -> id, for BrazeCampaignTrigger
    'braze_subscription_groups': 'SUBSCRIPTION_GROUPS',  # JSON: group name -> id (UUID), for BrazeSubscriptionSet
    'braze_link_secrets': 'LINK_SECRETS',     # JSON: key id -> secret (32+ characters), for BrazeVerifyLink
    'braze_link_max_age': 'LINK_MAX_AGE',     # seconds ahead a signed link's expiry may lie (default 30 days)
}


def _braze_params(env):
    params = {'braze_user_track': 'users/track'}
    for key, suffix in _SETTINGS.items():
        value = os.environ.get('BRAZE_{}_{}'.format(env.upper(), suffix))
        if value is None:
            value = os.environ.get('BRAZE_{}'.format(suffix))
        if value is not None:
            params[key] = value
    return params


PARAMS = {
    'sandbox': _braze_params('sandbox'),
    'live': _braze_params('live'),
}
