# -*- coding: utf-8 -*-
r"""Pypestream action node: record a customer's consent in the chat, and its proof (POST /users/track).

Parameter Input:
    {"group": "sms_offers", "state": "subscribed", "double_opt_in": true, "external_id": "{USER_ID}",
     "consent": {"wording": "sms-offers-v3", "language": "es"}}
"group" is a name from braze_subscription_groups in this environment's PARAMS; "state" subscribed or
unsubscribed; "double_opt_in" only when subscribing (Braze applies it to SMS groups). Also, instead
or beside: "email_subscribe" / "push_subscribe" (opted_in, subscribed, unsubscribed). One identifier:
external_id or user_alias (none at all: USER_ID). "consent.wording" is required: the id of the words
the customer was shown. The change and a "consent_changed" event (name it with "event") that proves
it go in one request; it is never sent twice (the proof is an event): the flow may ask again.

Returns success = true | error, BRAZE_REJECTED naming what Braze refused. Permission: users.track.
"""
from . import braze_answers as answers
from . import braze_consent as consent
from .braze_base import named
from .braze_node import BrazeNode, sent_summary


class BrazeSubscriptionSet(BrazeNode):

    def run(self, call, payload, context):
        built = consent.build(payload, context, call.settings.subscription_groups, call.now(), call.budget())
        sent = call.send(built.request)
        refused = list(answers.refused_inputs(sent.verdict.errors, built.labels).items()) if sent.verdict.errors \
            else []
        if sent.verdict.reason is not None:
            result = self.failed(call, sent)
        else:
            call.say.outcome('recorded ' + sent_summary(sent, call.deadline))
            result = {'success': 'true'}
        if refused:
            result['BRAZE_REJECTED'] = named(call.say, refused)
        return result
