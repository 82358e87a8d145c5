# -*- coding: utf-8 -*-
"""POST /canvas/trigger/send and /campaigns/trigger/send (api/endpoints/messaging/send_messages/*).

Every send is recorded (``Sends``; ``GET /_local/sends`` returns them). A recipient the emulator
does not know is skipped when send_to_existing_only holds (Braze's default), as Braze skips users
outside a Canvas's audience: silently.
"""
import collections
import json
import threading
import uuid

MAX_RECIPIENTS = 50
MAX_PROPERTIES_BYTES = 50 * 1024
# properties: the names a page gives the personalization object, today's first. The Canvas page
# documents "context" ("This includes Canvas entry properties") and keeps the older
# "canvas_entry_properties" as backward compatible; the campaign page has "trigger_properties" only.
Kind = collections.namedtuple('Kind', 'endpoint id_key properties')
CANVAS = Kind('/canvas/trigger/send', 'canvas_id', ('context', 'canvas_entry_properties'))
CAMPAIGN = Kind('/campaigns/trigger/send', 'campaign_id', ('trigger_properties',))


class Sends(object):
    """Every message the emulator was asked to send, in order (a development record)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.items = []

    @staticmethod
    def dispatch_id():
        return uuid.uuid4().hex  # Braze's dispatch ids are 32 lower-case hex characters

    def record(self, entries):
        with self._lock:
            self.items.extend(entries)

    def list(self):
        with self._lock:
            return [dict(entry) for entry in self.items]


# Braze's Canvas page: a paused or archived Canvas answers 201 with a notice (the paused wording is
# Braze's; the archived one follows it, ours).
NOTICES = {'paused': 'The Canvas is paused. Resume the Canvas to ensure trigger requests will take effect.',
           'archived': 'The Canvas is archived. Unarchive the Canvas to ensure trigger requests will take effect.'}


def trigger(store, sends, kind, body, known_ids, states=None):
    """-> (status, answer, change). ``states``: {id: 'paused' | 'archived'} set through the control endpoint."""
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
    shared = _properties(body, kind)
    if not isinstance(shared, dict) or len(json.dumps(shared)) > MAX_PROPERTIES_BYTES:
        return 400, {'message': "'{}' must be an object of at most 50 KB".format(kind.properties[0])}, None
    for recipient in recipients or []:
        problem = _recipient_error(recipient, kind)
        if problem:
            return 400, {'message': problem}, None
    dispatch_id = sends.dispatch_id()
    state = (states or {}).get(target)
    if state in NOTICES:  # taken, and nothing is sent while it stays so
        return 201, {'dispatch_id': dispatch_id, 'message': 'success', 'notice': NOTICES[state]}, None

    def change():
        entries, seen = [], set()
        for recipient in recipients or [{'broadcast': True}]:
            who = _who(recipient)
            if who is not None and not _ready(store, recipient, who):
                continue  # not a known user and send_to_existing_only: skipped, silently
            key = json.dumps(who, sort_keys=True)
            if key in seen:  # Braze: "if you use the same external_user_id, the user receives only one message"
                continue
            seen.add(key)
            own = _properties(recipient, kind)
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
    for name in kind.properties:
        if recipient.get(name) not in (None, '') and not isinstance(recipient[name], dict):
            return "'{}' must be an object".format(name)  # Braze's own example sends "" for none
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


def _properties(holder, kind):
    """The personalization object under any of the kind's names (empty when none is given)."""
    for name in kind.properties:
        value = holder.get(name)
        if value not in (None, ''):
            return value
    return {}
