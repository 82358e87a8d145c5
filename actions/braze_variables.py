# -*- coding: utf-8 -*-
"""``{VAR}`` references in a Parameter Input, resolved one level deep, within a budget.

A value that is exactly ``"{NAME}"`` is replaced by the global ``NAME``, looked up in the payload,
then the context, then ``context['user_data']``. The global's value is not resolved again (a value
that is itself ``"{NAME}"`` is missing, never a second reference): a chat user
who types ``{CRM_TOKEN}`` as their name gets no other global copied into Braze. Missing globals
(see braze_conventions) leave the field out.

Resolution spends a ``Budget``: items and characters produced, and time. A 6,000-item global
referenced 6,000 times would otherwise build 36 million items; with the budget the first uses
are built and the rest are dropped by name, so what was valid is still sent.
"""
from . import braze_conventions as conventions
from .braze_values import MAX_DEPTH, InvalidValue

MISSING = object()


class BudgetExceeded(Exception):
    """Building the input used up its budget; the message says which part of it."""


class Budget(object):
    # What references may copy into one call's input: far above any real chat (Braze takes 4 MB
    # per request) and small enough that building stays well inside the deadline.
    ITEMS = 100000
    CHARS = 8 * 1024 * 1024
    CHECK_EVERY = 256  # values built between two looks at the clock

    def __init__(self, time_left, items=ITEMS, chars=CHARS):
        self._time_left = time_left
        self.items = items
        self.chars = chars
        self._ticks = 0
        self.unset = []  # the globals a reference named that were not set: their fields were left out

    def tick(self):
        """One more value built; building stops once its share of the deadline is spent."""
        self._ticks += 1
        if not self._ticks % self.CHECK_EVERY and self._time_left() <= 0:
            raise BudgetExceeded('building the input took too long')

    def charge(self, items, chars):
        """A reference copied a global of this size into the input."""
        self.items -= items
        self.chars -= chars
        if self.items < 0 or self.chars < 0:
            raise BudgetExceeded('references copy more into the input than one call may build')
        self.tick()


class Variables(object):
    """The globals a Parameter Input may reference, and the budget they are built within."""

    def __init__(self, payload, context, budget):
        user_data = context.get('user_data') if isinstance(context, dict) else None
        self._sources = [s for s in (payload, context, user_data) if isinstance(s, dict)]
        self.budget = budget
        self._weights = {}

    def lookup(self, name):
        """The value of global ``name`` (literal), or MISSING."""
        for source in self._sources:
            value = source.get(name)
            if value is None or conventions.is_missing(value):
                continue
            if value.__class__ is str:
                self.budget.charge(1, len(value))
            else:
                weight = self._weights.get(name)
                if weight is None:
                    weight = self._weights[name] = _weight(value, self.budget.items, self.budget.chars)
                self.budget.charge(*weight)
            return value
        if name not in self.budget.unset and len(self.budget.unset) < 20:
            self.budget.unset.append(name)
        return MISSING

    def value(self, raw):
        """One Parameter Input value: a reference resolved, a missing value as MISSING."""
        if raw is None:  # an absent key: most of the keys a node looks for, on most calls
            return MISSING
        if raw.__class__ is str and '{' in raw[:3]:
            name = conventions.reference_name(raw)
            if name is not None:
                return self.lookup(name)
        if conventions.is_missing(raw):
            return MISSING
        self.budget.tick()
        return raw

    def tree(self, raw, depth=0):
        """A Parameter Input value with references anywhere inside; missing members are left out.
        A literal JSON null inside (a member, an item) is kept: in a nested attribute it is how Braze
        removes a key. At the top, None is an absent key."""
        if raw is None:
            return None if depth else MISSING
        if depth > MAX_DEPTH:
            raise InvalidValue('nested deeper than {} levels'.format(MAX_DEPTH))
        if raw.__class__ is str:  # most values: no container to look into
            return self.value(raw)
        if isinstance(raw, dict):
            self.budget.tick()
            resolved = ((key, self.tree(item, depth + 1)) for key, item in raw.items())
            return {key: item for key, item in resolved if item is not MISSING}
        if isinstance(raw, (list, tuple)):
            self.budget.tick()
            resolved = (self.tree(item, depth + 1) for item in raw)
            return [item for item in resolved if item is not MISSING]
        return self.value(raw)


def _weight(value, max_items, max_chars):
    """(items, characters) in ``value``, counting no further than the budget left."""
    items = chars = 0
    pending = [value]
    while pending and items <= max_items and chars <= max_chars:
        current = pending.pop()
        items += 1
        if isinstance(current, str):
            chars += len(current)
        elif isinstance(current, dict):
            pending.extend(current.values())
            chars += sum(len(key) for key in current if isinstance(key, str))
        elif isinstance(current, (list, tuple)):
            pending.extend(current)
    return items, chars
