# -*- coding: utf-8 -*-
r"""Pypestream action node: send the chat's user a follow-up from an API-triggered Campaign (POST /campaigns/trigger/send).

Parameter Input:
    {"campaign": "welcome_back", "external_id": "{USER_ID}", "trigger_properties": {"topic": "{INTENT}"}}
"campaign" is a name from braze_campaigns in this environment's PARAMS (or give "campaign_id"); exactly one
recipient (external_id or user_alias; none at all: USER_ID); optional "attributes" Braze applies
before the send, and "send_to_existing_only" (not with a user_alias). broadcast, recipients and
audiences are refused. A send that may have reached Braze is never repeated.

Returns success = true | error, and BRAZE_DISPATCH_ID. Permission: campaigns.trigger.send.
"""
from . import braze_trigger as trigger
from .braze_node import BrazeNode, failure, summary

KIND = trigger.CAMPAIGN


class BrazeCampaignTrigger(BrazeNode):

    def blanks(self, payload):
        return ['BRAZE_DISPATCH_ID']

    def run(self, call, payload, context):
        send = trigger.build(KIND, payload, context, call.settings, call.budget())
        call.say.hide_personal(send.personal)

        sent = call.send(KIND.path, KIND.permission, send.body, resend_ambiguous=False)  # never twice

        verdict = sent.verdict
        if verdict.reason is not None:
            return failure(call.say, verdict.reason, '{}: {}'.format(summary(sent, call.deadline), verdict.message))
        call.say.outcome('sent {}'.format(summary(sent, call.deadline)))
        return {'success': 'true', 'BRAZE_DISPATCH_ID': str(verdict.body.get('dispatch_id') or '')}
