# -*- coding: utf-8 -*-
"""Log lines and returned strings that are safe to show.

Every line goes through the same three steps, in this order:
1. escape: control characters, line and paragraph separators, bidirectional overrides and lone
   surrogates become ``\\xNN`` / ``\\uNNNN``, so nothing from the input can forge a line or break a
   strict UTF-8 sink;
2. mask: the API key in every form it can take in text (as is, any case, URL-encoded, JSON- or
   repr-escaped, and any 6-character piece of those), email addresses, phone numbers, and the
   personal values of this call (short ones as whole words);
3. clip to ``MAX_LINE``, after masking, so a clipped line never shows half a value.

A call logs at most ``MAX_DETAIL`` detail lines; the rest are counted in the outcome line, which is
always written, whatever the sink did with earlier lines.
"""
import json
import re
from urllib.parse import quote, quote_plus

MAX_LINE = 800
MAX_DETAIL = 12        # detail lines per call before they are only counted
SHOWN_PER_LIST = 5     # items of a long list (dropped fields, refused objects) shown one per line
_KEY_PIECE = 6

_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]')
_EMAIL = re.compile(r'[^\s@<>()\[\]{},;:"\'`]+@[^\s@<>()\[\]{},;:"\'`]+')
_PHONE = re.compile(r'\+?\d(?:[\s().-]{0,2}\d){6,}')


def escape(text):
    """Control and invisible characters as visible escapes."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: '\\x{:02x}'.format(ord(m.group())) if ord(m.group()) < 256
                       else '\\u{:04x}'.format(ord(m.group())), text)


_KEY_PATTERNS = {}


def _key_pattern(key):
    """(pieces, regex) that find the key, and any 6-character piece of it, in each written form."""
    found = _KEY_PATTERNS.get(key)
    if found is None:
        as_json = json.dumps(key)[1:-1]
        forms = {form.lower() for form in (key, quote(key, safe=''), quote(key), quote_plus(key), as_json,
                                           as_json.replace('/', '\\/'), repr(key)[1:-1], escape(key))}
        pieces = sorted({form[i:i + _KEY_PIECE] for form in forms for i in range(len(form) - _KEY_PIECE + 1)})
        alphabet = ''.join(sorted(set(''.join(forms))))
        # A piece, then every following character the key's forms are made of, as one run.
        regex = re.compile('(?:{})[{}]*'.format('|'.join(re.escape(p) for p in pieces), re.escape(alphabet)),
                           re.IGNORECASE)
        found = _KEY_PATTERNS[key] = (tuple(pieces or [key.lower()]), regex)
        if len(_KEY_PATTERNS) > 64:
            _KEY_PATTERNS.clear()
    return found


class Masker(object):
    """What to hide in the text of one call."""

    def __init__(self):
        self._key = None
        self._short = ()         # short personal values (under 3 characters) ...
        self._words = None       # ... masked as whole words by this pattern
        self._personal = ()      # the others, lower-cased, longest first

    def hide_key(self, key):
        self._key = _key_pattern(key) if key else None

    def hide_personal(self, values):
        """Add this call's personal values (each call of this adds to the ones before)."""
        found, short = set(self._personal), set(self._short)
        for value in values:
            if value.__class__ is not str:
                if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 10 ** 18:
                    continue
                value = str(value)
            text = escape(value.strip()).lower()
            if len(text) >= 3:
                # A value longer than a line can never appear whole in one; skip it.
                if len(text) <= MAX_LINE * 4:
                    found.add(text)
            elif text:
                short.add(text)
        self._personal = tuple(sorted(found, key=len, reverse=True))
        if short != set(self._short):
            self._short = tuple(short)
            self._words = re.compile(r'(?<!\w)(?:{})(?!\w)'.format('|'.join(re.escape(v) for v in short)),
                                     re.IGNORECASE)

    def mask(self, text):
        """Escape, then mask; never clips (callers clip after)."""
        text = escape(text)
        lowered = text.lower()
        for value in self._personal:
            if value in lowered:
                text = re.sub(re.escape(value), '<personal>', text, flags=re.IGNORECASE)
                lowered = text.lower()
        if self._words is not None:
            text = self._words.sub('<personal>', text)
        if '@' in text:
            text = _EMAIL.sub('<email>', text)
        text = _PHONE.sub('<phone>', text)
        if self._key is not None:
            pieces, regex = self._key
            lowered = text.lower()
            if any(piece in lowered for piece in pieces):
                text = regex.sub('<api-key>', text)
        return text

    def mask_key(self, text):
        """Only the key (for values the flow needs as they are, such as a looked-up name)."""
        if self._key is not None and any(piece in text.lower() for piece in self._key[0]):
            return self._key[1].sub('<api-key>', text)
        return text


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

    def outcome(self, message):
        """The call's last line: always written."""
        if self._unshown:
            message = '{} ({} more log lines not shown)'.format(message, self._unshown)
        self._write(message)

    def _write(self, message):
        if self._log is None:
            return
        line = clip('{}: {}'.format(self._prefix, self.mask(str(message))))
        for text in (line, line.encode('ascii', 'backslashreplace').decode('ascii')):
            try:
                self._log(text)
                return
            except Exception:  # a broken sink must not break the chat, nor silence the next line
                self.sink_failures += 1
