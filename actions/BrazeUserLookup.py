# -*- coding: utf-8 -*-
r"""Pypestream action node: bring the user's Braze profile into the conversation (POST /users/export/ids).

Parameter Input:
    {"external_id": "{USER_ID}",
     "globals": {"FIRST_NAME": "first_name", "LOYALTY_TIER": "custom_attributes.loyalty_tier",
                 "ORDERS": "custom_events.order_placed.count"}}
Exactly one identifier (external_id, user_alias, braze_id, email or phone; none at all: USER_ID).
Without "globals": FIRST_NAME, LAST_NAME, EMAIL_ADDRESS, DATE_OF_BIRTH, CITY_OF_RESIDENCE.

Returns success = true (one profile) | not_found | multiple (an email or phone matched several) |
error, every mapped global as text ("" for what the profile lacks, and on every other outcome),
BRAZE_ID and BRAZE_EXTERNAL_ID. Permission: users.export.ids.
"""
from . import braze_fields as fields
from . import braze_lookup as lookup
from .braze_node import BrazeNode, sent_summary


class BrazeUserLookup(BrazeNode):

    def named_globals(self, mapping):
        return lookup.mapped_globals(mapping)

    def run(self, call, payload, context):
        request = lookup.build(payload, context, call.budget())
        sent = call.send(request.request)
        if sent.verdict.reason is not None:
            return self.failed(call, sent)
        users = sent.verdict.body.get('users')
        found = lookup.outcome(users)
        if found == 'unexpected':
            return self.failure(call.say, 'unexpected', 'Braze answered "users" with something other than user '
                                'objects', sent_summary(sent, call.deadline))
        if found == 'true':
            # No line after this one shows profile data today; any added later is masked already.
            call.say.hide_personal(users[0].get(field) for field in fields.PERSONAL)
            result = dict(success='true', **lookup.globals_of(users[0], request.paths))
        else:
            result = {'success': found}
        call.say.outcome('{} {}'.format(found if found != 'true' else 'found', sent_summary(sent, call.deadline)))
        return result
