# -*- coding: utf-8 -*-
r"""Pypestream action node: is the chat opened by a link a Braze message signed? (no Braze call)

Parameter Input:
    {}                        the page the chat opened on (user_data.last_viewed_url), then passthrough
    {"url": "{PAGE_URL}"}     a URL the flow holds
The link fields (bz_uid, bz_exp, bz_kid, bz_cohort, bz_sig) and the Liquid that makes them: README,
"Signed links". Settings: braze_link_secrets ({"kid": "secret of 32+ characters"}), braze_link_max_age.

Returns success = verified | expired | invalid | missing | error (BRAZE_ERROR config or invalid_input),
BRAZE_LINK_EXTERNAL_ID and BRAZE_LINK_COHORT (both "" unless verified), and BRAZE_LINK_ROUTE: the
cohort of a verified link (``verified`` when it carries none), else the outcome (``error`` too), for a flow that
routes by cohort in one step. A verified link identifies the link, not the person holding it: ask
for more before showing anything sensitive.
"""
from .. import app
from . import braze_declarations as declarations
from . import braze_links as links
from . import braze_settings
from .braze_base import Node
from .braze_input import UnusableInput
from .braze_variables import MISSING, Budget, Variables


class BrazeVerifyLink(Node):
    """Stands on ``Node``, not ``BrazeNode``: it calls nothing, so it carries no HTTP library."""

    def serve(self, say, payload, context):
        settings = braze_settings.load(app, context, declarations.settings_of(self.declaration))
        url = Variables(payload, context, Budget(lambda: 1.0)).value(payload.get('url'))
        user_data = context.get('user_data') if isinstance(context, dict) else None
        user_data = user_data if isinstance(user_data, dict) else {}
        if url is MISSING:
            url = user_data.get('last_viewed_url')
            url = url if isinstance(url, str) else None
        elif not isinstance(url, str):
            raise UnusableInput('"url" must be the text of a URL')
        verdict = links.judge(url, user_data.get('passthrough'), settings.secrets, settings.max_age,
                              int(self._wall()))
        say.hide_personal([verdict.uid, verdict.cohort])
        say.outcome('{} source={}'.format(verdict.outcome, verdict.source or '-'), verdict.why)
        return {'success': verdict.outcome, 'BRAZE_LINK_EXTERNAL_ID': verdict.uid, 'BRAZE_LINK_COHORT': verdict.cohort,
                'BRAZE_LINK_ROUTE': verdict.cohort or verdict.outcome}
