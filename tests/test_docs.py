# -*- coding: utf-8 -*-
"""The docs point at what exists: every test docs/promises.md (and every page of docs/) names is a
test of that file, every file it names is there, and every relative link of the docs and the README
resolves. A renamed or deleted test breaks this, not the promise's evidence in silence."""
import ast
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
# `test_x.py::name`, `::name` (same file as the reference before it), `test_x.py` alone; a name may
# end in `...` or `_...` (a prefix) and carry `[case]` or `[*]`.
REFERENCE = re.compile(r'`((?:tests/)?(test_[a-z0-9_]+\.py))?(?:::([A-Za-z0-9_]+)(\.\.\.)?(?:\[[^\]`]*\])?)?`')


def names_in(path):
    tree = ast.parse(open(path, encoding='utf-8').read())
    return {item.name for item in tree.body if isinstance(item, (ast.FunctionDef, ast.ClassDef))}


def references(page):
    """(line number, file, test name or None, prefix?) for each test a page names."""
    found = []
    for number, line in enumerate(open(page, encoding='utf-8'), start=1):
        current = None
        for match in REFERENCE.finditer(line):
            whole, name, prefix = match.group(2), match.group(3), match.group(4)
            if whole:
                current = whole
            if current and (whole or name):
                found.append((number, current, name.rstrip('_') if prefix and name else name, bool(prefix)))
    return found


@pytest.mark.parametrize('page', PAGES, ids=[os.path.basename(p) for p in PAGES])
def test_every_test_a_page_names_exists(page):
    missing = []
    for number, filename, name, prefix in references(page):
        path = os.path.join(ROOT, 'tests', filename)
        if not os.path.isfile(path):
            missing.append('{}:{}: no file tests/{}'.format(os.path.basename(page), number, filename))
            continue
        if name is None:
            continue
        names = names_in(path)
        if not (name in names or (prefix and any(n.startswith(name) for n in names))):
            missing.append('{}:{}: no {} in {}'.format(os.path.basename(page), number, name, filename))
    assert not missing, '\n'.join(missing)


def test_promises_names_tests_at_all():
    assert len(references(os.path.join(ROOT, 'docs', 'promises.md'))) > 100


LINK = re.compile(r'\]\(([^)#\s]+)(?:#[^)]*)?\)')


@pytest.mark.parametrize('page', PAGES + [os.path.join(ROOT, 'README.md')],
                         ids=[os.path.basename(p) for p in PAGES] + ['README.md'])
def test_every_relative_link_resolves(page):
    text = open(page, encoding='utf-8').read()
    broken = [target for target in LINK.findall(text) if '://' not in target and not target.startswith('mailto:')
              and not os.path.exists(os.path.join(os.path.dirname(page), target))]
    assert not broken, broken


BARE = re.compile(r'`(?:(test_[a-z0-9_]+)(?:\.py)?::)?(test_[A-Za-z0-9_]+?)(_?\.\.\.)?(?:\[[^\]`]*\])?`')


@pytest.mark.parametrize('page', PAGES, ids=[os.path.basename(p) for p in PAGES])
def test_every_test_named_without_its_file_exists_somewhere(page):
    everywhere = {}
    for path in glob.glob(os.path.join(ROOT, 'tests', 'test_*.py')):
        for name in names_in(path):
            everywhere.setdefault(name, set()).add(os.path.basename(path)[:-3])
    missing = []
    for number, line in enumerate(open(page, encoding='utf-8'), start=1):
        for module, name, prefix in BARE.findall(line):
            if name.endswith('.py'):
                continue
            files = everywhere.get(name, set()) if not prefix else set().union(
                *[found for known, found in everywhere.items() if known.startswith(name)] or [set()])
            if not files or (module and module not in files):
                missing.append('{}:{}: {}{}'.format(os.path.basename(page), number, module + '::' if module else '',
                                                    name))
    assert not missing, '\n'.join(missing)
