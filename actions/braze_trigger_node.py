# -*- coding: utf-8 -*-
"""What BrazeCanvasTrigger and BrazeCampaignTrigger share: the node around braze_trigger's request.

The request (one recipient, never an audience) is built in braze_trigger.py, below the node layer
like every endpoint's module; this is the node above it, like BrazeUserLookup over braze_lookup.
"""
from . import braze_trigger as trigger
from .braze_node import BrazeNode, sent_summary
from .braze_safelog import for_chat


class TriggerNode(BrazeNode):
    """What BrazeCanvasTrigger and BrazeCampaignTrigger share; each names its ``KIND``."""
    KIND = None

    def run(self, call, payload, context):
        sent = call.send(trigger.build(self.KIND, payload, context, call.settings, call.budget()))
        if sent.verdict.reason is not None:
            return self.failed(call, sent)
        verdict = sent.verdict
        dispatch_id = verdict.body.get('dispatch_id')
        if not isinstance(dispatch_id, str):  # Braze sends text; anything else is not shown to the chat
            dispatch_id = ''
        call.say.outcome('sent ' + sent_summary(sent, call.deadline))
        return {'success': 'true', 'BRAZE_DISPATCH_ID': for_chat(dispatch_id)}
