# -*- coding: utf-8 -*-
"""/users/track for consent: a subscription change and its proof, in one request.

The attributes object carries the change (``subscription_groups``, with ``use_double_opt_in_logic``
where asked; ``email_subscribe`` / ``push_subscribe``), the events array one proof event
(``consent_changed`` unless named otherwise) whose properties say what was asked, with which words
(an id of the brand's wording, and its language), through which channel and in which chat: both
are documented on Braze's /users/track page, and one request means Braze never holds the change
without its proof or the proof without the change, unless it refuses one object (a 201 with
``errors``, which the node reports). Braze keeps only the source and time of a change; its SMS
pages ask the brand to keep its own consent records: the proof is that record. It holds no personal
value beyond the identifier the request already carries.
"""
import collections

from . import braze_declarations as declarations
from . import braze_values as values
from .braze_input import Request, UnusableInput, flag, identifier, named_id, personal_values, text, with_default_user
from .braze_values import InvalidValue
from .braze_variables import MISSING, BudgetExceeded, Variables

ENDPOINT = declarations.TRACK
GROUP_STATES = ('subscribed', 'unsubscribed')
CHANNEL_STATES = ('opted_in', 'subscribed', 'unsubscribed')  # email_subscribe, push_subscribe (Braze's words)
PROOF_EVENT = 'consent_changed'
CHANNEL = 'pypestream_chat'
CONSENT_KEYS = ('wording', 'language')
# The objects of the request, by the names a refusal is reported under.
LABELS = {'attributes': ['the subscription change'], 'events': ['the consent proof']}

Consent = collections.namedtuple('Consent', 'request labels')


def build(payload, context, groups, now, budget):
    """Parameter Input -> ``Consent``: the request (never resent: the proof is an event) and the name
    of each object in it. Raises ``UnusableInput`` before anything is sent, or ``SettingsError`` for
    a group name ``groups`` (braze_subscription_groups) does not know."""
    variables = Variables(payload, context, budget)
    kinds = ('external_id', 'user_alias')
    who, _ = identifier(with_default_user(payload, kinds), variables, kinds=kinds, extras_allowed=False)
    change, proof = {}, {}
    group = variables.value(payload.get('group'))
    if group is not MISSING:
        name = text(group, 'group')
        state = _choice(variables.value(payload.get('state')), 'state', GROUP_STATES)
        entry = {'subscription_group_id': named_id(groups, 'braze_subscription_groups', 'subscription group', name),
                 'subscription_state': state}
        double = variables.value(payload.get('double_opt_in'))
        if double is not MISSING and flag(double, 'double_opt_in'):
            if state != 'subscribed':
                raise UnusableInput('double_opt_in goes with state "subscribed" only (Braze applies it when an SMS '
                                    'group is joined)')
            entry['use_double_opt_in_logic'] = True
            proof['double_opt_in'] = True
        change['subscription_groups'] = [entry]
        proof.update(subscription_group=name, subscription_state=state)
    elif 'state' in payload or 'double_opt_in' in payload:
        raise UnusableInput('"state" and "double_opt_in" belong to a "group": name the subscription group')
    for channel in ('email_subscribe', 'push_subscribe'):
        given = variables.value(payload.get(channel))
        if given is not MISSING:
            change[channel] = proof[channel] = _choice(given, channel, CHANNEL_STATES)
    if not change:
        raise UnusableInput('nothing to change: give "group" and "state", or email_subscribe / push_subscribe')
    proof.update(_consent(variables, payload.get('consent')))
    proof['channel'] = CHANNEL
    chat_id = context.get('chat_id')
    if isinstance(chat_id, str) and chat_id.strip():
        proof['chat_id'] = chat_id.strip()
    event = variables.value(payload.get('event'))
    try:
        name = PROOF_EVENT if event is MISSING else values.text(event)
        identity = {who.kind: who.value}
        attributes = dict(identity, **change)
        if who.kind == 'user_alias':  # Braze creates an alias-only user only when told to (it holds the consent)
            attributes['_update_existing_only'] = False
        body = {'attributes': [attributes],
                'events': [dict(identity, name=name, time=now.isoformat(), properties=values.json_value(proof))],
                'partner': 'pypestream'}
    except InvalidValue as problem:
        raise UnusableInput('event: {}'.format(problem))
    return Consent(Request(ENDPOINT, values.encoded(body), personal_values(who), False), LABELS)


def _choice(value, name, allowed):
    if value is MISSING:
        raise UnusableInput('{} is missing: {}'.format(name, ' or '.join(allowed)))
    word = text(value, name).strip().lower()
    if word not in allowed:
        choices = ', '.join(allowed[:-1]) + ' or ' + allowed[-1]
        raise UnusableInput('{} must be {} (Braze\'s words)'.format(name, choices))
    return word


def _consent(variables, raw):
    """The proof's words: the id of the wording shown and its language. Without a wording id the record
    could not say what the customer agreed to: refused."""
    try:
        given = variables.tree(raw)
    except (InvalidValue, BudgetExceeded) as problem:
        raise UnusableInput('consent cannot be read: {}'.format(problem))
    if given is MISSING or not isinstance(given, dict):
        raise UnusableInput('consent must be {"wording": "<id of the words shown>", "language": "es"}: a record '
                            'that cannot say what was shown is no proof')
    found = {}
    for key in CONSENT_KEYS:
        value = given.get(key)
        if value is not None and value is not MISSING:
            found['consent_' + key] = text(value, 'consent.' + key)
    if not found.get('consent_wording', '').strip():
        raise UnusableInput('consent.wording is missing: the id of the words the customer was shown (a record '
                            'that cannot say what was shown is no proof)')
    return found
