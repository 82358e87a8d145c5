# -*- coding: utf-8 -*-
"""/users/identify, /users/merge, /users/alias/new: an anonymous chat joins the customer's profile.

Braze's /users/identify silently leaves the profiles apart when the known user already holds an
alias with the same label (anyone who chatted before), so the node first looks both up and
chooses the endpoint that does what is meant:

| alias profile           | known user (external_id) | step                    | BRAZE_IDENTIFIED |
| ----------------------- | ------------------------ | ----------------------- | ---------------- |
| on this customer        | (any)                    | none                    | already          |
| on another customer     | (any)                    | none, error             | (conflict)       |
| anonymous               | none                     | /users/identify (merge) | identified       |
| anonymous               | exists                   | /users/merge, into it   | merged           |
| none                    | exists, without alias    | /users/alias/new        | aliased          |
| none                    | exists, label taken      | none                    | none             |
| none                    | none                     | none (nothing to join)  | none             |
"""
import collections

from . import braze_declarations as declarations
from . import braze_fields as fields
from . import braze_values as values
from .braze_input import Identifier, Request, UnusableInput, personal_values, with_default_user
from .braze_values import InvalidValue
from .braze_variables import MISSING, Variables

# Identify, alias and merge are idempotent for one pair (ours: no Braze page says so; the emulator
# does it), so every request of this node may be resent.
STEPS = {
    'identified': declarations.IDENTIFY,
    'merged': declarations.MERGE,
    'aliased': declarations.ALIAS_NEW,
}
DEFAULT_LABEL = 'pypestream_chat'

Plan = collections.namedtuple('Plan', 'external_id alias personal')
# request: None when nothing is to be done; why: for the outcome line when nothing is joined
Step = collections.namedtuple('Step', 'outcome request why')
Step.__new__.__defaults__ = ('',)


def build(payload, context, budget):
    """Parameter Input -> ``Plan``: the customer's external_id and the chat's alias."""
    variables = Variables(payload, context, budget)
    external_id = variables.value(with_default_user(payload, ('external_id',))['external_id'])
    if external_id is MISSING:
        raise UnusableInput('external_id (or USER_ID) is not set: there is no customer to join the chat to')
    alias = _alias(payload, context, variables)
    try:
        external_id = fields.IDENTIFIERS['external_id'].normalize(external_id)
        alias = fields.IDENTIFIERS['user_alias'].normalize(alias)
    except InvalidValue as problem:
        raise UnusableInput('external_id or user_alias is not usable: {}'.format(problem))
    personal = personal_values(Identifier('external_id', external_id))
    personal += personal_values(Identifier('user_alias', alias))
    return Plan(external_id, alias, tuple(personal))


def _alias(payload, context, variables):
    raw = variables.value(payload.get('user_alias'))
    if raw is MISSING:
        chat_id = context.get('chat_id')
        if not isinstance(chat_id, str) or not chat_id.strip():
            raise UnusableInput("no user_alias given and no chat_id in the context to default to")
        return {'alias_name': chat_id, 'alias_label': DEFAULT_LABEL}
    if not isinstance(raw, dict):
        raise UnusableInput('user_alias must be {"alias_name": ..., "alias_label": ...}')
    alias = {part: variables.value(raw.get(part)) for part in ('alias_name', 'alias_label')}
    if alias['alias_label'] is MISSING:
        alias['alias_label'] = DEFAULT_LABEL
    if alias['alias_name'] is MISSING:
        raise UnusableInput('user_alias.alias_name is missing')
    return alias


def export_request(plan):
    """The look-up of both profiles, the customer's and the chat alias's (a read)."""
    return Request(declarations.EXPORT, _json({'external_ids': [plan.external_id], 'user_aliases': [plan.alias],
                                               'fields_to_export': ['braze_id', 'external_id', 'user_aliases']}),
                   plan.personal, True)


def next_step(plan, users):
    """What to do, from the exported profiles of the customer and of the chat's alias."""
    users = [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []
    wanted = (plan.alias['alias_name'], plan.alias['alias_label'])
    known = next((u for u in users if u.get('external_id') == plan.external_id), None)
    anonymous = next((u for u in users if wanted in _aliases(u)), None)
    if anonymous is not None:
        owner = anonymous.get('external_id')
        if owner == plan.external_id:
            return Step('already', None)
        if owner:
            return Step('conflict', None)
        if known is None:
            # Today's identify page has no merge_behavior and merges by default; older pages documented
            # it, with "none" merging nothing. "merge" asks for the same thing under both readings.
            return _step('identified', plan, {'aliases_to_identify': [{'external_id': plan.external_id,
                                                                      'user_alias': plan.alias}],
                                              'merge_behavior': 'merge'})
        return _step('merged', plan, {'merge_updates': [{'identifier_to_merge': {'user_alias': plan.alias},
                                                         'identifier_to_keep': {'external_id': plan.external_id}}]})
    if known is None or any(label == wanted[1] for _, label in _aliases(known)):
        label = wanted[1][:60]
        return Step('none', None, 'no profile holds this chat\'s alias (alias_label "{}"), and {}: record the chat '
                    'with BrazeUserTrack under this alias_label first, the same label in both nodes'.format(
                        label, 'the customer is not in Braze' if known is None else
                        'the customer already holds an alias with that label'))
    return _step('aliased', plan, {'user_aliases': [dict(plan.alias, external_id=plan.external_id)]})


def _step(outcome, plan, body):
    return Step(outcome, Request(STEPS[outcome], _json(body), plan.personal, True))


def _aliases(user):
    found = user.get('user_aliases')
    return [(a.get('alias_name'), a.get('alias_label')) for a in found if isinstance(a, dict)] \
        if isinstance(found, list) else []


def _json(body):
    return values.encoded(body)
