# -*- coding: utf-8 -*-
"""Development only, while mutmut runs (docs/mutation.md): mutmut names a function by its file's path
(``actions.braze_node.x_failure``), the tests load the solution as Pypestream does, as a package
(``pypestream_solution.actions.braze_node``). This translates between the two names in mutmut's
trampoline, so its statistics and its choice of the active mutant see the same functions."""
from local_pypestream.solution import PACKAGE

PREFIX = PACKAGE + '.'


def install():
    from mutmut.mutation import trampoline  # mutmut 3's trampoline: the names it records and compares

    record, active = trampoline.record_trampoline_hit, trampoline.get_mutant_under_test

    def by_path(name):
        return name[len(PREFIX):] if name and name.startswith(PREFIX) else name

    def record_hit(name, caller=None):
        record(by_path(name), caller=by_path(caller))

    def under_test():
        name = active()
        return PREFIX + name if name.startswith('actions.') else name

    trampoline.record_trampoline_hit = record_hit
    trampoline.get_mutant_under_test = under_test
