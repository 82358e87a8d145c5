# -*- coding: utf-8 -*-
r"""Pypestream action node: an anonymous chatter becomes the known customer in Braze.

Parameter Input:
    {"external_id": "{USER_ID}"}
    {"external_id": "{USER_ID}", "user_alias": {"alias_name": "{chat_id}", "alias_label": "pypestream_chat"}}
The alias defaults to this chat's (alias_name = context['chat_id'], alias_label = pypestream_chat),
the one BrazeUserTrack records an anonymous chat under (README, "Anonymous chats").

Returns success = true | error and BRAZE_IDENTIFIED = identified | merged | aliased | already | none
(braze_identify.py has the table). An alias that belongs to another customer is error / conflict,
with nothing changed. Calling it twice is harmless. Braze applies merges asynchronously.
Permissions: users.export.ids, users.identify, users.merge, users.alias.new.
"""
from . import braze_identify as identify
from .braze_node import BrazeNode, failure, sent_summary


class BrazeUserIdentify(BrazeNode):

    def blanks(self, payload):
        return ['BRAZE_IDENTIFIED']

    def run(self, call, payload, context):
        plan = identify.build(payload, context, call.budget())
        call.say.hide_personal(plan.personal)

        looked = call.send(identify.EXPORT[0], identify.EXPORT[1], identify.export_body(plan), resend_ambiguous=True)
        if looked.verdict.reason is not None:
            return failure(call.say, looked.verdict.reason, 'looking up: ' + looked.verdict.message,
                           sent_summary(looked, call.deadline))
        step = identify.next_step(plan, looked.verdict.body.get('users'))
        if step.outcome == 'conflict':
            return failure(call.say, 'conflict', "the chat's alias belongs to another customer; nothing changed")

        if step.path is not None:  # identify, alias and merge are idempotent for one pair: resending is safe
            done = call.send(step.path, step.permission, step.body, resend_ambiguous=True)
            if done.verdict.reason is not None:
                return failure(call.say, done.verdict.reason, '{}: {}'.format(step.path, done.verdict.message),
                               sent_summary(done, call.deadline))
        later = 'Braze applies merges asynchronously' if step.outcome == 'merged' else ''
        call.say.outcome('{} elapsed_ms={}'.format(step.outcome, call.deadline.elapsed_ms()), later)
        return {'success': 'true', 'BRAZE_IDENTIFIED': step.outcome}
