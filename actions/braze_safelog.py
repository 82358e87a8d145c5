# -*- coding: utf-8 -*-
"""Log lines and returned strings that are safe to show.

Every line goes through the same three steps, in this order:
1. escape: control characters, line and paragraph separators, bidirectional overrides and lone
   surrogates become ``\\xNN`` / ``\\uNNNN``, so nothing from the input can forge a line or break a
   strict UTF-8 sink;
2. mask: the API key first, in every form it can take in text (as is, any case, URL-encoded, JSON- or
   repr-escaped, and any 6-character piece of those), then the personal values of this call, email
   addresses and phone numbers, each as a whole token (``Ava`` never turns ``unavailable`` into
   ``un<personal>ilable``);
3. clip to ``MAX_LINE``, after masking, so a clipped line never shows half a value.

The outcome line starts with facts of the node's own making (``error reason=timeout status=503
attempts=2 elapsed_ms=6001``): escaped, never masked, so a personal value ``1`` or ``503`` cannot
hide them. A call logs at most ``MAX_DETAIL`` detail lines; the rest are counted in the outcome
line, which is always written, whatever the sink did with earlier lines.

Values handed back to the flow are looked-up data: only the whole key or a long part of it
(``RETURNED_KEY_PIECE`` characters) is masked there, so a name sharing a few characters with the
key reaches the flow intact.
"""
import json
import re
from urllib.parse import quote, quote_plus

MAX_LINE = 800
MAX_DETAIL = 12        # detail lines per call before they are only counted
SHOWN_PER_LIST = 5     # items of a long list (dropped fields, refused objects) shown one per line
_KEY_PIECE = 6          # in log lines: any piece this long of the key is hidden
RETURNED_KEY_PIECE = 16  # in returned values: only a piece this long (or the whole key)

_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]')
_EMAIL = re.compile(r'[^\s@<>()\[\]{},;:"\'`]+@[^\s@<>()\[\]{},;:"\'`]+')
_PHONE = re.compile(r'\+?\d(?:[\s().-]{0,2}\d){6,}')
# An outcome line's facts: a word, then name=value pairs of words and numbers (our own text only).
_FACTS = re.compile(r'^[a-z_]+(?: [a-z_]+=[A-Za-z0-9_.-]{1,40})*$')


def escape(text):
    """Control and invisible characters as visible escapes."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: '\\x{:02x}'.format(ord(m.group())) if ord(m.group()) < 256
                       else '\\u{:04x}'.format(ord(m.group())), text)


_KEY_PATTERNS = {}


def _key_pattern(key, piece):
    """(pieces, regex) that find the key, and any ``piece``-character piece of it, in each written form."""
    found = _KEY_PATTERNS.get((key, piece))
    if found is None:
        as_json = json.dumps(key)[1:-1]
        # The key holds no spaces (braze_settings), so quote_plus also covers quote(key, safe='').
        forms = {form.lower() for form in (key, quote(key), quote_plus(key), as_json,
                                           as_json.replace('/', '\\/'), repr(key)[1:-1], escape(key))}
        size = min(piece, min(len(form) for form in forms))
        pieces = sorted({form[i:i + size] for form in forms for i in range(len(form) - size + 1)})
        alphabet = ''.join(sorted(set(''.join(forms))))
        # A piece, then every following character the key's forms are made of, as one run.
        regex = re.compile('(?:{})[{}]*'.format('|'.join(re.escape(p) for p in pieces), re.escape(alphabet)),
                           re.IGNORECASE)
        if len(_KEY_PATTERNS) >= 64:
            _KEY_PATTERNS.clear()
        found = _KEY_PATTERNS[(key, piece)] = (tuple(pieces), regex)
    return found


def _hide(pattern, text):
    """``text`` with every match of a key ``pattern`` (pieces, regex) replaced."""
    lowered = text.lower()
    if any(piece in lowered for piece in pattern[0]):
        return pattern[1].sub('<api-key>', text)
    return text


class Masker(object):
    """What to hide in the text of one call."""

    def __init__(self):
        self._key = self._returned_key = None
        self._personal = set()   # this call's personal values, escaped and lower-cased ...
        self._ordered = ()       # ... longest first, each masked as a whole token
        self._last = None        # the last tuple of values given, to skip it when given again

    def hide_key(self, key):
        self._key = _key_pattern(key, _KEY_PIECE) if key else None
        self._returned_key = _key_pattern(key, RETURNED_KEY_PIECE) if key else None

    def hide_personal(self, values):
        """Add this call's personal values (each call of this adds to the ones before)."""
        if values is self._last and isinstance(values, tuple):  # the same values again (each request of a call)
            return
        self._last = values
        found = set(self._personal)
        for value in values:
            if value.__class__ is not str:
                if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 10 ** 18:
                    continue
                value = str(value)
            text = escape(value.strip()).lower()
            # A value longer than a line can never appear whole in one; skip it.
            if text and len(text) <= MAX_LINE * 4:
                found.add(text)
        if found != self._personal:
            self._personal = found
            self._ordered = tuple(sorted(found, key=len, reverse=True))  # "Ann-Marie" before "Ann"

    def _mask_personal(self, text):
        lowered = text.lower()
        present = [value for value in self._ordered if value in lowered]
        if not present:
            return text
        tokens = re.compile(r'(?<!\w)(?:{})(?!\w)'.format('|'.join(re.escape(v) for v in present)), re.IGNORECASE)
        return tokens.sub('<personal>', text)

    def mask(self, text):
        """Escape, then mask; never clips (callers clip after). The key first: a phone number or a
        personal value masked inside it would split it into pieces too short to be found."""
        text = escape(text)
        if self._key is not None:
            text = _hide(self._key, text)
        if self._ordered:
            text = self._mask_personal(text)
        if '@' in text:
            text = _EMAIL.sub('<email>', text)
        return _PHONE.sub('<phone>', text)

    def mask_key(self, text):
        """Only what could be the key (for values the flow needs as they are, such as a looked-up name)."""
        return text if self._returned_key is None else _hide(self._returned_key, text)


# Braze data handed to the chat as a global (a looked-up value, a dispatch id): at most this many
# characters, line breaks and tabs as spaces, other control and bidirectional characters dropped,
# so a profile field cannot reorder or forge what the chat shows.
MAX_CHAT_TEXT = 1000
_BREAKS = re.compile('[\t\n\x0b\x0c\r\x85\u2028\u2029]')


def for_chat(text):
    text = _UNSAFE.sub('', _BREAKS.sub(' ', text))
    return text if len(text) <= MAX_CHAT_TEXT else text[:MAX_CHAT_TEXT - 3] + '...'


def clip(text, limit=MAX_LINE):
    return text if len(text) <= limit else text[:limit - 3] + '...'


class SafeLog(Masker):
    """Wraps the platform's ``log`` callable for one call."""

    def __init__(self, log, prefix):
        Masker.__init__(self)
        self._log = log if callable(log) else None
        self._prefix = prefix
        self._details = 0
        self._unshown = 0
        self.sink_failures = 0

    def __call__(self, message):
        """A detail line: shown while the call's budget of lines lasts, counted after."""
        self._details += 1
        if self._details > MAX_DETAIL:
            self._unshown += 1
            return
        self._write(message)

    def each(self, what, items, describe):
        """One line per item of a list, at most SHOWN_PER_LIST, then one line for the rest."""
        for item in items[:SHOWN_PER_LIST]:
            self(describe(item))
        if len(items) > SHOWN_PER_LIST:
            self('{} more {} not listed here'.format(len(items) - SHOWN_PER_LIST, what))

    def outcome(self, facts, detail=''):
        """The call's last line: always written. ``facts`` is the node's own summary (see _FACTS),
        shown as it is; ``detail`` is masked like any line."""
        if self._unshown:
            detail = '{}{}({} more log lines not shown)'.format(detail, ' ' if detail else '', self._unshown)
        self._write(detail, facts)

    def _write(self, message, facts=None):
        if self._log is None:
            return
        text = self.mask(str(message))
        if facts is not None:
            head = facts if _FACTS.match(facts) else self.mask(facts)
            text = '{}: {}'.format(head, text) if text else head
        line = clip('{}: {}'.format(self._prefix, text))
        for text in (line, line.encode('ascii', 'backslashreplace').decode('ascii')):
            try:
                self._log(text)
                return
            except Exception:  # a broken sink must not break the chat, nor silence the next line
                self.sink_failures += 1
