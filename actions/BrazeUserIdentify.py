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
from .braze_node import BrazeNode


class BrazeUserIdentify(BrazeNode):

    def run(self, call, payload, context):
        plan = identify.build(payload, context, call.budget())
        looked = call.send(identify.export_request(plan))
        if looked.verdict.reason is not None:
            return self.failed(call, looked, 'looking up')
        step = identify.next_step(plan, looked.verdict.body.get('users'))
        if step.outcome == 'conflict':
            return self.failure(call.say, 'conflict', "the chat's alias belongs to another customer; nothing changed")

        if step.request is not None:
            done = call.send(step.request)
            if done.verdict.reason is not None:
                return self.failed(call, done, step.request.endpoint.path)
        later = 'Braze applies merges asynchronously' if step.outcome == 'merged' else step.why
        call.say.outcome('{} elapsed_ms={}'.format(step.outcome, call.deadline.elapsed_ms()), later)
        return {'success': 'true', 'BRAZE_IDENTIFIED': step.outcome}
