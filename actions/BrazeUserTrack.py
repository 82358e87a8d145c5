# -*- coding: utf-8 -*-
r"""Pypestream action node: record what a conversation collected in Braze (POST /users/track).

Parameter Input (either form; see README.md for every field):
    {"external_id": "{USER_ID}", "attributes": {"first_name": "{FIRST_NAME}", "dob": "{DATE_OF_BIRTH}"},
     "events": [{"name": "chat_completed"}]}
or nothing at all, with the seed template's globals USER_ID, FIRST_NAME, LAST_NAME, EMAIL_ADDRESS,
DATE_OF_BIRTH, CITY_OF_RESIDENCE, OPERATING_SYSTEM, NAME_OF_EVENT, EVENT_TIME set in the flow.

Returns {'success': 'true'} or {'success': 'error', 'BRAZE_ERROR': <reason>}; see braze_outcome.REASONS.
Settings come from app.PARAMS[context['env']] (braze_url, braze_api_key, braze_user_track, ...).
"""
import datetime
import random
import time

from .. import app
from .braze_config import ConfigError, load_settings
from .braze_delivery import deliver
from .braze_logging import SafeLog
from .braze_payload import InvalidInput, build_user
from .braze_request import build_requests
from .braze_retry import RetryPolicy
from . import braze_transport


class BrazeUserTrack(object):
    """The node. The keyword arguments exist for tests; the platform calls ``BrazeUserTrack()``."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep, rand=random.random, wall=time.time,
                 session=None):
        self._clock, self._sleep, self._rand, self._wall = clock, sleep, rand, wall
        self._session = session

    def execute(self, log, payload=None, context=None):
        say = SafeLog(log, 'BrazeUserTrack')
        started = self._clock()
        try:
            settings = load_settings(app, context)
            say.hide_secret(settings.api_key)
            # The deadline starts now: building a large input counts against it too.
            policy = RetryPolicy(settings.deadline, settings.max_attempts, self._clock, self._sleep,
                                 self._rand, self._wall)
            now = datetime.datetime.fromtimestamp(self._wall(), datetime.timezone.utc)
            user = build_user(payload, context, now)
            say.hide_personal(user.personal)
            track_requests, too_large = build_requests(user.objects(), settings.max_objects)
            for label in too_large:
                user.drop(label, 'larger than one Braze request may be')
            for name, reason in user.dropped:
                say('dropped {}: {}'.format(name, reason))
            if not track_requests:
                raise InvalidInput('every object was too large to send')
            report = deliver(track_requests, settings, policy, self._session or braze_transport.SESSION)
        except ConfigError as error:
            return _error(say, 'config', 'configuration problem: {}'.format(error))
        except InvalidInput as error:
            return _error(say, 'invalid_input', 'nothing sent: {}'.format(error))
        except Exception as error:  # the platform must never see an exception from this node
            return _error(say, 'internal', 'unexpected {} after {} ms'.format(
                type(error).__name__, int((self._clock() - started) * 1000)))
        return _finish(say, report, user.dropped)


def _finish(say, report, dropped):
    summary = 'status={} attempts={} elapsed_ms={} objects={} requests={}'.format(
        report.status if report.status is not None else '-', report.attempts, report.elapsed_ms,
        report.sent, report.requests)
    for line in report.rejected:
        say('rejected by Braze: {}'.format(line))
    result = {'success': 'true' if report.reason is None else 'error'}
    if report.reason is None:
        say('success {}'.format(summary))
    else:
        say('error reason={} {}: {}'.format(report.reason, summary, report.detail))
        result['BRAZE_ERROR'] = report.reason
    if report.rejected:
        result['BRAZE_REJECTED'] = say.mask('; '.join(report.rejected))
    if dropped:
        result['BRAZE_DROPPED'] = say.mask(','.join(name for name, _ in dropped))
    return result


def _error(say, reason, line):
    say('error reason={}: {}'.format(reason, line))
    return {'success': 'error', 'BRAZE_ERROR': reason}
