# -*- coding: utf-8 -*-
"""Signed links: a Braze message opens the chat with the customer's external_id, and the chat can
tell a link Braze signed from one somebody edited.

A Canvas or campaign signs ``v1|<uid>|<exp>|<cohort>`` with Liquid's ``hmac_sha256_hex`` and a secret
from a Content Block, and puts the fields in the page URL (README, "Signed links"):

    ?bz_uid=<external_id>&bz_exp=<unix seconds>&bz_kid=<key id>&bz_cohort=<optional>&bz_sig=<64 hex>

Values are escaped as ``url_param_escape`` does and decoded here the standard form way (``+`` is a
space). The fields come from the first source that holds any ``bz_`` field: the page URL (the
Parameter Input's ``url``, else ``user_data['last_viewed_url']``), then the chat's passthrough JSON.
Nothing a link holds is ever logged: the verdict's ``why`` names fields, never their values.
"""
import collections
import hashlib
import hmac
import json
import re
from urllib.parse import unquote_plus, urlsplit

FIELDS = ('bz_uid', 'bz_exp', 'bz_kid', 'bz_cohort', 'bz_sig')
REQUIRED = ('bz_uid', 'bz_exp', 'bz_kid', 'bz_sig')
PREFIX = 'bz_'
VERSION = 'v1'
MAX_URL = 8 * 1024           # bytes of a page URL judged at all
MAX_PASSTHROUGH = 64 * 1024  # characters of passthrough JSON
MAX_UID_BYTES = 987          # Braze's external_id limit
MAX_COHORT = 255
GRACE = 60                   # seconds of clock difference between Braze and the chat, either way
# Matched whole (fullmatch): '$' alone would let a final newline through.
_EXPIRY = re.compile('[0-9]{1,12}')
_SIGNATURE = re.compile('[0-9a-f]{64}')

# outcome: verified | expired | invalid | missing. why: for the log line, never a value of the link.
Verdict = collections.namedtuple('Verdict', 'outcome why uid cohort source')


class Malformed(ValueError):
    """The link's fields cannot be judged; the message names the field, never its value."""


def judge(url, passthrough, secrets, max_age, now):
    """The sources of one chat -> ``Verdict``. ``url``: the page URL (text or None);
    ``passthrough``: the chat's passthrough (JSON text, a dict, or None); ``now``: Unix seconds."""
    for source, read in (('url', lambda: _from_url(url)), ('passthrough', lambda: _from_passthrough(passthrough))):
        try:
            fields = read()
        except Malformed as problem:
            return _refused('invalid', str(problem), source)
        if fields is not None:
            return _verdict(fields, secrets, max_age, now, source)
    return _refused('missing', 'no bz_ field in the page URL or the passthrough', None)


def sign(uid, expires, secret, cohort=''):
    """The signature Braze's Liquid makes: ``'v1|uid|exp|cohort' | hmac_sha256_hex: secret``."""
    return hmac_sha256_hex(message(uid, expires, cohort), secret)


def hmac_sha256_hex(data, key):
    """What Liquid's ``data | hmac_sha256_hex: key`` gives (UTF-8 text in, lower-case hex out)."""
    return hmac.new(key.encode('utf-8'), data, hashlib.sha256).hexdigest()


def message(uid, expires, cohort=''):
    return '|'.join((VERSION, uid, str(expires), cohort)).encode('utf-8')


def _refused(outcome, why, source):
    return Verdict(outcome, why, '', '', source)


def _from_url(url):
    """The bz_ fields of a page URL's query, or None when it holds none."""
    if url is None:
        return None
    if len(url.encode('utf-8', 'surrogatepass')) > MAX_URL:
        raise Malformed('the page URL is over {} KiB'.format(MAX_URL // 1024))
    try:
        query = urlsplit(url).query
    except ValueError:  # an unparseable URL (a bad IPv6 literal) holds no link we can judge
        raise Malformed('the page URL cannot be parsed')
    pairs = []
    # Split by hand on '&' only: parse_qsl's separators differ across Python 3.8 releases (';').
    for part in query.split('&'):
        name, equals, value = part.partition('=')
        try:
            name = unquote_plus(name, errors='strict')
        except UnicodeDecodeError:
            continue  # a name we cannot read is not one of ours
        if name.startswith(PREFIX):
            try:
                pairs.append((name, unquote_plus(value, errors='strict')))
            except UnicodeDecodeError:
                raise Malformed('{} is not valid UTF-8 once decoded'.format(_known(name)))
    return _fields(pairs)


def _from_passthrough(passthrough):
    """The bz_ fields of the passthrough JSON object, or None when it holds none (or is not one)."""
    if isinstance(passthrough, str):
        if len(passthrough) > MAX_PASSTHROUGH:
            raise Malformed('the passthrough is over {} KiB'.format(MAX_PASSTHROUGH // 1024))
        try:
            passthrough = json.loads(passthrough, object_pairs_hook=_Pairs)  # pairs: a key given twice shows
        except (ValueError, RecursionError):
            return None  # pages set passthrough for their own reasons: not a link
    elif isinstance(passthrough, dict):
        passthrough = _Pairs(passthrough.items())
    if not isinstance(passthrough, _Pairs):
        return None
    pairs = [(name, value) for name, value in passthrough if isinstance(name, str) and name.startswith(PREFIX)]
    for name, value in pairs:
        if not isinstance(value, str):
            raise Malformed('{} in the passthrough is not text'.format(_known(name)))
    return _fields(pairs)


class _Pairs(list):
    """A JSON object as its (name, value) pairs, told apart from a JSON array."""


def _fields(pairs):
    if not pairs:
        return None
    fields = {}
    for name, value in pairs:
        if name not in FIELDS:
            raise Malformed('a bz_ field that is not a link field')  # its name is the sender's text
        if name in fields:
            raise Malformed('{} is given twice'.format(name))
        fields[name] = value
    return fields


def _verdict(fields, secrets, max_age, now, source):
    absent = [name for name in REQUIRED if name not in fields]
    if absent:
        return _refused('invalid', 'partial link: no {}'.format(', '.join(absent)), source)
    uid, exp, kid, sig = fields['bz_uid'], fields['bz_exp'], fields['bz_kid'], fields['bz_sig']
    cohort = fields.get('bz_cohort', '')
    problem = (
        'bz_uid is empty' if not uid else
        'bz_uid is over {} bytes'.format(MAX_UID_BYTES) if len(uid.encode('utf-8', 'surrogatepass')) > MAX_UID_BYTES
        else 'bz_uid or bz_cohort holds |' if '|' in uid or '|' in cohort else
        'bz_cohort is over {} characters'.format(MAX_COHORT) if len(cohort) > MAX_COHORT else
        'bz_exp is not Unix seconds (1 to 12 ASCII digits)' if not _EXPIRY.fullmatch(exp) else
        'bz_sig is not 64 lower-case hex characters' if not _SIGNATURE.fullmatch(sig) else
        'bz_kid names no secret of this environment' if kid not in secrets else None)
    if problem:
        return _refused('invalid', problem, source)
    try:
        expected = sign(uid, exp, secrets[kid], cohort)
    except UnicodeEncodeError:  # a lone surrogate from passthrough JSON: no Liquid output holds one
        return _refused('invalid', 'bz_uid or bz_cohort is not valid text', source)
    if not hmac.compare_digest(expected, sig):
        return _refused('invalid', 'the signature does not match (tampered, or signed with another secret): the '
                        'message must sign exactly v1|bz_uid|bz_exp|bz_cohort, with the trailing | when there is no '
                        'cohort, with the secret bz_kid names', source)
    expires = int(exp)
    if expires - now > max_age + GRACE:
        return _refused('invalid', 'bz_exp lies {} further ahead than braze_link_max_age allows (with {} s for clock '
                        'differences)'.format(_duration(expires - now - max_age), GRACE), source)
    if now > expires + GRACE:
        return _refused('expired', 'the link expired {} ago (links are honoured {} s past bz_exp, for clock '
                        'differences)'.format(_duration(now - expires), GRACE), source)
    return Verdict('verified', 'signature and expiry good', uid, cohort, source)


def _duration(seconds):
    """Seconds as a log line says them: whole seconds up to a day, else days (a long run of digits
    would be masked as a phone number)."""
    return '{} s'.format(int(seconds)) if seconds < 86400 else '{:.1f} days'.format(seconds / 86400.0)


def _known(name):
    """A field name for a log line: ours as it is, any other one unnamed (the sender chose it)."""
    return name if name in FIELDS else 'a bz_ field'
