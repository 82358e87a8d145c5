# -*- coding: utf-8 -*-
r"""Pypestream action node: record what a conversation collected in Braze (POST /users/track).

Parameter Input (either form; README.md has every field):
    {"external_id": "{USER_ID}", "attributes": {"first_name": "{FIRST_NAME}", "dob": "{DATE_OF_BIRTH}"},
     "events": [{"name": "chat_completed"}]}
or nothing at all, with the seed template's globals USER_ID, FIRST_NAME, LAST_NAME, EMAIL_ADDRESS,
DATE_OF_BIRTH, CITY_OF_RESIDENCE, OPERATING_SYSTEM, NAME_OF_EVENT, EVENT_TIME set in the flow.
An anonymous chat: {"user_alias": {"alias_name": "{chat_id}", "alias_label": "pypestream_chat"}, ...}.

Returns {'success': 'true'} or {'success': 'error', 'BRAZE_ERROR': <reason>}, plus BRAZE_REJECTED
and BRAZE_DROPPED naming what Braze refused and what was left out. Permission: users.track.
"""
from . import braze_batches as batches
from . import braze_delivery as delivery
from . import braze_track as track
from .braze_input import UnusableInput
from .braze_base import named
from .braze_node import BrazeNode, summary


class BrazeUserTrack(BrazeNode):

    def run(self, call, payload, context):
        built = track.build(payload, context, call.now(), call.budget())
        call.say.hide_personal(built.personal)  # before the drops are named, not only when sending
        split = batches.split(built.objects, call.settings.per_array, call.settings.combined)
        dropped = list(built.dropped) + [(label, 'larger than one Braze request may be') for label in split.too_large]
        call.say.each('dropped inputs', dropped, lambda item: 'dropped {}: {}'.format(*item))
        long_arrays = track.long_arrays(built.objects)
        if long_arrays:
            call.say.each('long arrays', long_arrays, lambda item: (
                'attributes.{}: {} values sent; Braze keeps the workspace\'s maximum array length, 25 unless '
                'raised (Data Settings > Custom Attributes, the attribute\'s maximum array length)'.format(*item)))
        if not split.requests:
            raise UnusableInput('nothing left to send: every input was dropped')

        report = delivery.deliver(call, track.requests(built, split.requests, call.settings.retry_non_idempotent))

        refused = list(report.refused.items())
        call.say.each('refused inputs', refused, lambda item: 'refused by Braze: {}: {}'.format(*item))
        facts = summary(report.status, report.attempts, call.deadline, objects=report.objects,
                        requests=report.requests)
        if report.reason is None:
            call.say.outcome('success ' + facts)
            result = {'success': 'true'}
        else:
            result = self.failure(call.say, report.reason, report.message, facts)
        if refused:
            result['BRAZE_REJECTED'] = named(call.say, refused)
        if dropped:
            result['BRAZE_DROPPED'] = ','.join(call.say.mask(label) for label, _ in dropped)
        return result
