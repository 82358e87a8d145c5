# -*- coding: utf-8 -*-
"""POST /canvas/trigger/send and /campaigns/trigger/send (api/endpoints/messaging/send_messages/*).

Every send is recorded (``Sends``; ``GET /_local/sends`` returns them). A recipient the emulator
does not know is skipped when send_to_existing_only holds (Braze's default), as Braze skips users
outside a Canvas's audience: silently.
"""
import collections
import itertools
import json
import threading

MAX_RECIPIENTS = 50
MAX_PROPERTIES_BYTES = 50 * 1024
# properties: the older name of the personalization object; current pages call it "context".
Kind = collections.namedtuple('Kind', 'endpoint id_key properties')
CANVAS = Kind('/canvas/trigger/send', 'canvas_id', 'canvas_entry_properties')
CAMPAIGN = Kind('/campaigns/trigger/send', 'campaign_id', 'trigger_properties')


class Sends(object):
    """Every message the emulator was asked to send, in order (a development record)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.items = []

    def dispatch_id(self):
        return 'local-dispatch-{:06d}'.format(next(self._ids))

    def record(self, entries):
        with self._lock:
            self.items.extend(entries)

    def list(self):
        with self._lock:
            return [dict(entry) for entry in self.items]


def trigger(store, sends, kind, body, known_ids):
    """-> (status, answer, change)."""
    target = body.get(kind.id_key)
    if not isinstance(target, str) or not target:
        return 400, {'message': "'{}' is required".format(kind.id_key)}, None
    if known_ids is not None and target not in known_ids:
        return 400, {'message': 'Invalid {}'.format(kind.id_key)}, None
    broadcast = body.get('broadcast', False)
    recipients = body.get('recipients')
    if not isinstance(broadcast, bool):
        return 400, {'message': "'broadcast' must be a boolean"}, None
    if broadcast and recipients:
        return 400, {'message': "'broadcast' cannot be used with 'recipients'"}, None
    if not broadcast and not recipients and 'audience' not in body:
        return 400, {'message': "'recipients', 'audience' or 'broadcast' is required"}, None
    if recipients is not None and (not isinstance(recipients, list) or len(recipients) > MAX_RECIPIENTS):
        return 400, {'message': "'recipients' must be an array of at most 50 objects"}, None
    shared = body.get(kind.properties) or body.get('context') or {}
    if not isinstance(shared, dict) or len(json.dumps(shared)) > MAX_PROPERTIES_BYTES:
        return 400, {'message': "'context' ('{}') must be an object of at most 50 KB".format(kind.properties)}, None
    for recipient in recipients or []:
        problem = _recipient_error(recipient, kind)
        if problem:
            return 400, {'message': problem}, None
    dispatch_id = sends.dispatch_id()

    def change():
        entries = []
        for recipient in recipients or [{'broadcast': True}]:
            who = _who(recipient)
            if who is not None and not _ready(store, recipient, who):
                continue  # not a known user and send_to_existing_only: skipped, silently
            own = recipient.get(kind.properties) or recipient.get('context') or {}
            entries.append({'endpoint': kind.endpoint, kind.id_key: target, 'dispatch_id': dispatch_id,
                            'recipient': who or 'broadcast', 'properties': dict(shared, **own)})
        sends.record(entries)
    return 201, {'dispatch_id': dispatch_id, 'message': 'success'}, change


def _recipient_error(recipient, kind):
    if not isinstance(recipient, dict):
        return 'each recipient must be an object'
    ids = [key for key in ('external_user_id', 'user_alias', 'email') if key in recipient]
    if len(ids) != 1:  # the page's text; its own example gives two, which this refuses
        return "each recipient needs exactly one of 'external_user_id', 'user_alias' or 'email'"
    if 'email' in recipient and not recipient.get('prioritization'):
        return "'prioritization' is required with 'email'"
    if 'user_alias' in recipient and 'send_to_existing_only' in recipient:
        return "'send_to_existing_only' cannot be used with 'user_alias'"
    if recipient.get('send_to_existing_only') is False and not recipient.get('attributes'):
        return "'attributes' are required when 'send_to_existing_only' is false"
    if not isinstance(recipient.get('attributes', {}), dict):
        return "'attributes' must be an object"
    if recipient.get(kind.properties) not in (None, '') and not isinstance(recipient[kind.properties], dict):
        return "'{}' must be an object".format(kind.properties)  # Braze's own example sends "" for none
    return None


def _who(recipient):
    for key in ('external_user_id', 'user_alias', 'email'):
        if key in recipient:
            return {key: recipient[key]}
    return None


def _ready(store, recipient, who):
    """Apply the recipient's attributes first (Braze does); is there a user to send to?"""
    if 'email' in who:
        return store.by_priority('email', who['email'], recipient['prioritization']) is not None
    identifier = {'external_id': who['external_user_id']} if 'external_user_id' in who else dict(who)
    existing_only = recipient.get('send_to_existing_only', True)
    attributes = dict(identifier, **(recipient.get('attributes') or {}))
    if 'external_id' in identifier:
        attributes['_update_existing_only'] = existing_only is not False
    store.apply('attributes', attributes)
    return store.find(identifier) is not None
