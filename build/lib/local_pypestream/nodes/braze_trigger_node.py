# -*- coding: utf-8 -*-
"""What BrazeCanvasTrigger and BrazeCampaignTrigger share: the node around braze_trigger's request.

The request (one recipient, never an audience) is built in braze_trigger.py, below the node layer
like every endpoint's module; this is the node above it, like BrazeUserLookup over braze_lookup.
"""
from . import braze_trigger as trigger
from .braze_node import BrazeNode, failure, sent_summary
from .braze_safelog import for_chat


class TriggerNode(BrazeNode):
    """What BrazeCanvasTrigger and BrazeCampaignTrigger share; each names its ``KIND``."""
    KIND = None

    def blanks(self, payload):
        return ['BRAZE_DISPATCH_ID']

    def run(self, call, payload, context):
        send = trigger.build(self.KIND, payload, context, call.settings, call.budget())
        call.say.hide_personal(send.personal)

        sent = call.send(self.KIND.path, self.KIND.permission, send.body, resend_ambiguous=False)  # never twice

        verdict = sent.verdict
        if verdict.reason is not None:
            return failure(call.say, verdict.reason, verdict.message, sent_summary(sent, call.deadline))
        dispatch_id = verdict.body.get('dispatch_id')
        if not isinstance(dispatch_id, str):  # Braze sends text; anything else is not shown to the chat
            dispatch_id = ''
        call.say.outcome('sent ' + sent_summary(sent, call.deadline))
        return {'success': 'true', 'BRAZE_DISPATCH_ID': for_chat(dispatch_id)}
