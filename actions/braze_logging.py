# -*- coding: utf-8 -*-
"""Log lines that are safe to show: the API key never, personal data masked, ``log`` never raises.

The node's own lines name fields, never values. Masking is the safety net for text that
comes from elsewhere (Braze's messages, exception text), which may echo what was sent.
"""
import re

MAX_LINE = 800
_EMAIL = re.compile(r'[^\s@<>()\[\]{},;:"\'`]+@[^\s@<>()\[\]{},;:"\'`]+')
_PHONE = re.compile(r'\+?\d(?:[\s().-]{0,2}\d){6,}')
_TOKEN = re.compile(r'[A-Za-z0-9_\-]{6,}')


def _replace_any_case(text, value, replacement):
    return re.sub(re.escape(value), lambda _: replacement, text, flags=re.IGNORECASE)


class SafeLog(object):
    """Wraps the platform's ``log`` callable."""

    def __init__(self, log, prefix):
        self._log = log if callable(log) else None
        self._prefix = prefix
        self._secret = None
        self._personal = ()

    def hide_secret(self, secret):
        self._secret = secret or None

    def hide_personal(self, values):
        # Longest first, so "Ann-Marie" is masked whole before "Ann" could leave "-Marie" behind.
        found = {value.strip() for value in values if isinstance(value, str) and len(value.strip()) >= 3}
        self._personal = sorted(found, key=len, reverse=True)

    def mask(self, text):
        text = str(text)[:MAX_LINE * 4]
        lowered = text.lower()
        for value in self._personal:
            if value.lower() in lowered:
                text = _replace_any_case(text, value, '<personal>')
                lowered = text.lower()
        if '@' in text:
            text = _EMAIL.sub('<email>', text)
        text = _PHONE.sub('<phone>', text)
        secret = self._secret
        if secret and any(secret[i:i + 6] in text for i in range(len(secret) - 5)):
            # Not only the whole key: any run of 6+ key characters found in the key, so an
            # echoed prefix ("Invalid API key: 1a2b3c...") is hidden too.
            text = _TOKEN.sub(lambda m: '<api-key>' if m.group(0) in secret else m.group(0), text)
        return text if len(text) <= MAX_LINE else text[:MAX_LINE - 3] + '...'

    def __call__(self, message):
        if self._log is None:
            return
        try:
            self._log('{}: {}'.format(self._prefix, self.mask(message)))
        except Exception:  # a broken logger must not break the chat: stop using it
            self._log = None
