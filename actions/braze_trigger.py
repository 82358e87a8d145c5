# -*- coding: utf-8 -*-
"""/canvas/trigger/send and /campaigns/trigger/send: one follow-up message to the chat's user.

Exactly one recipient, never a broadcast or an audience: a flow must not be able to message a
whole segment. The Canvas or campaign is named in the flow and looked up in the environment's
PARAMS (``braze_canvases`` / ``braze_campaigns``), so sandbox and live ids differ and no id sits in
the flow; an id may also be given directly. Sends are not idempotent: a send that may have
reached Braze is never sent again (the customer would get the message twice).
"""
import collections

from . import braze_declarations as declarations
from . import braze_fields as fields
from . import braze_values as values
from .braze_input import Request, UnusableInput, flag, identifier, named_id, personal_values, text, with_default_user
from .braze_values import InvalidValue
from .braze_variables import MISSING, BudgetExceeded, Variables

# inputs: the Parameter Input's names for the properties (at most one given); properties: Braze's.
# The Canvas page documents "context" today and keeps "canvas_entry_properties" as backward
# compatible; the campaign page has only "trigger_properties". node: the declaration (its refusals).
Kind = collections.namedtuple('Kind', 'endpoint id_key name_key mapping inputs properties node')
CANVAS = Kind(declarations.CANVAS_SEND, 'canvas_id', 'canvas', 'canvases',
              ('entry_properties', 'canvas_entry_properties', 'context'), 'context',
              declarations.NODES['BrazeCanvasTrigger'])
CAMPAIGN = Kind(declarations.CAMPAIGN_SEND, 'campaign_id', 'campaign', 'campaigns',
                ('trigger_properties',), 'trigger_properties', declarations.NODES['BrazeCampaignTrigger'])
MAX_PROPERTIES_BYTES = 50 * 1024


def build(kind, payload, context, settings, budget):
    """Parameter Input -> ``Request`` (never resent: a message must not go out twice). Raises
    ``UnusableInput``, or ``SettingsError`` for a name the environment does not know."""
    variables = Variables(payload, context, budget)
    broadcast = variables.value(payload.get('broadcast'))
    if broadcast is not MISSING and flag(broadcast, 'broadcast') is not False:
        raise UnusableInput('broadcast is refused: a chat sends to its one user only')
    for key, why in kind.node.refused.items():  # options that reach more than one person
        if key in payload:
            raise UnusableInput('"{}" is refused: {}'.format(key, why))
    kinds = ('external_id', 'user_alias')
    who, _ = identifier(with_default_user(payload, kinds), variables, kinds=kinds, extras_allowed=False)
    recipient = {'external_user_id' if who.kind == 'external_id' else 'user_alias': who.value}
    existing_only = variables.value(payload.get('send_to_existing_only'))
    if existing_only is not MISSING:
        if who.kind == 'user_alias':
            raise UnusableInput('send_to_existing_only cannot be used with a user_alias (Braze refuses it)')
        recipient['send_to_existing_only'] = flag(existing_only, 'send_to_existing_only')
    personal = personal_values(who)
    attributes = _attributes(variables, payload.get('attributes'), personal)
    if attributes:
        recipient['attributes'] = attributes
    elif recipient.get('send_to_existing_only') is False:
        raise UnusableInput('send_to_existing_only false needs attributes to create the user with (Braze)')
    body = {kind.id_key: _target(kind, variables, payload, settings), 'recipients': [recipient], 'broadcast': False}
    given = [name for name in kind.inputs if name in payload]
    if len(given) > 1:
        raise UnusableInput('give the properties once ({} are the same object)'.format(' and '.join(given)))
    properties = _properties(variables, payload.get(given[0]) if given else None)
    if properties:
        body[kind.properties] = properties
    return Request(kind.endpoint, values.encoded(body), personal, False)


def _target(kind, variables, payload, settings):
    given = variables.value(payload.get(kind.id_key))
    if given is not MISSING:
        return text(given, kind.id_key)
    name = variables.value(payload.get(kind.name_key))
    if name is MISSING:
        raise UnusableInput('give {} (a name from braze_{}) or {}'.format(kind.name_key, kind.mapping, kind.id_key))
    return named_id(getattr(settings, kind.mapping), 'braze_' + kind.mapping, kind.name_key, text(name, kind.name_key))


def _properties(variables, raw):
    try:
        value = variables.tree(raw)
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            raise InvalidValue('must be an object')
        properties = values.json_value(value)
    except (InvalidValue, BudgetExceeded) as problem:
        raise UnusableInput('the properties cannot be sent: {}'.format(problem))
    if values.encoded_size(properties) > MAX_PROPERTIES_BYTES:
        raise UnusableInput('the properties are larger than Braze allows (50 KB)')
    return properties


def _attributes(variables, raw, personal):
    """Attributes Braze applies before the send; an invalid one refuses the send (it is one unit)."""
    try:
        given = variables.tree(raw)
        if given is MISSING:
            return None
        if not isinstance(given, dict):
            raise InvalidValue('must be an object')
        result = {}
        for name, value in given.items():
            field = fields.attribute(name)
            if field.personal:
                personal.append(value)
            result[name] = None if value is None else field.normalize(value)
        return result
    except (InvalidValue, BudgetExceeded) as problem:
        raise UnusableInput('attributes cannot be sent: {}'.format(problem))
