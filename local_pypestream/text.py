# -*- coding: utf-8 -*-
"""Text a flow run prints to a terminal: a profile value or a typed answer is data, never a line
break, an escape sequence or a bidirectional override. The same escapes the solution's nodes may write in
their logs (local_pypestream stays independent of any node package, so it keeps its own copy)."""
import os
import re
import stat

_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]')


def printable(text):
    """Control, line-separator and bidirectional characters as visible ``\\xNN`` / ``\\uNNNN``."""
    text = str(text)
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: '\\x{:02x}'.format(ord(m.group())) if ord(m.group()) < 256
                       else '\\u{:04x}'.format(ord(m.group())), text)


def printable_lines(text):
    """Each line of a multi-line message made printable (its own line breaks kept)."""
    return [printable(line) for line in str(text).split('\n')]


def read_limited(path, limit):
    """(bytes, None), or (None, why) for a file that cannot be read or is over ``limit`` bytes: the
    tools answer a hostile file with a finding, and never read more of it than they could use."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device would block the read
            return None, 'is not a regular file'
        with open(path, 'rb') as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        return None, 'cannot be read ({})'.format(error.strerror or type(error).__name__)
    if len(data) > limit:
        return None, 'is over {} MiB'.format(limit // (1024 * 1024))
    return data, None
