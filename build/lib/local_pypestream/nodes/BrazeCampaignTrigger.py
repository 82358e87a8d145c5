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
from .braze_trigger_node import TriggerNode


class BrazeCampaignTrigger(TriggerNode):
    KIND = trigger.CAMPAIGN  # the endpoint, its permission, and the names of its fields (braze_trigger.py)
