# -*- coding: utf-8 -*-
"""A Design Studio flow CSV, read the way Pypestream reads it (README, "Running a whole flow locally";
the column rules are those of Pypestream's Design Studio template and Bot Manager's compile errors).

Columns are found by header name (the 26-column template or the legacy 20-column one); cells may
hold newlines and JSON; a UTF-8 byte-order mark and node numbers exported as ``'-585`` are
accepted. Reading never stops at the first problem: ``Flow.problems`` lists what a row got wrong,
for ``lint`` to report and ``flow`` to refuse.
"""
import collections
import csv
import io
import json
import re

from .text import read_limited

COLUMNS = ('Node Number', 'Node Type', 'Node Name', 'Intent', 'Entity Type', 'Entity', 'NLU Disabled?',
           'Next Nodes', 'Message', 'Rich Asset Type', 'Rich Asset Content', 'Answer Required?', 'Behaviors',
           'Command', 'Description', 'Output', 'Node Input', 'Parameter Input', 'Decision Variable',
           'What Next?', 'Node Tags', 'Skill Tag', 'Variable', 'Platform Flag', 'Flows', 'CSS Classname')
LEGACY_COLUMNS = ('Node Number', 'Node Type', 'Node Name', 'NLU Disabled?', 'Next Nodes', 'Message',
                  'Rich Asset Type', 'Rich Asset Content', 'Answer Required?', 'Behaviors', 'Command',
                  'Description', 'Output', 'Node Input', 'Parameter Input', 'Decision Variable', 'What Next?',
                  'Skill Tag', 'Variable', 'Platform Flag')
# Platform variables a flow may use without declaring them (as a published production bot does: ENV,
# SESSION_ID, CHAT_ID, ...; the rest are the web chat's user_data, README "Running a whole flow locally").
PLATFORM_VARIABLES = frozenset(('ENV', 'SESSION_ID', 'CHAT_ID', 'USER_ID', 'PLATFORM', 'DEVICE_TYPE',
                                'BROWSER_LANGUAGE', 'LAST_VIEWED_URL', 'PASSTHROUGH'))
GLOBAL_NAME = re.compile(r'^[A-Z0-9_]+$')
# A {VAR} reference in a message, a Parameter Input or a rich asset ("{1}" in a regex is not one).
REFERENCE = re.compile(r'\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}')
ICON = re.compile(r'^\s*<<[^>]*>>\s*')
ROUTE_VALUE = re.compile(r'^[a-z0-9_]+$')

Problem = collections.namedtuple('Problem', 'level node column message')  # level: 'error' | 'warning'
Route = collections.namedtuple('Route', 'value destination')
Option = collections.namedtuple('Option', 'label destination')  # destination None: the answer follows Next Nodes


class Node(object):
    """One row. ``cells`` maps column name to text; the rest is parsed from it."""

    def __init__(self, number, cells, line):
        self.number = number
        self.cells = cells
        self.line = line

    def cell(self, column):
        return (self.cells.get(column) or '').strip()

    @property
    def kind(self):
        return self.cell('Node Type').upper()

    @property
    def behaviors(self):
        return {item.strip().lower() for item in self.cell('Behaviors').split(',') if item.strip()}

    @property
    def variables(self):
        return [name.strip() for name in self.cell('Variable').split(',') if name.strip()]

    @property
    def outputs(self):
        return [name.strip() for name in self.cell('Output').split(',') if name.strip()]

    @property
    def next_nodes(self):
        return [number_of(part) for part in self.cell('Next Nodes').split('|') if part.strip()]

    @property
    def answer_required(self):
        return self.cell('Answer Required?') == '1'

    @property
    def nlu_disabled(self):
        return self.cell('NLU Disabled?') == '1'


class Flow(object):
    def __init__(self, columns, nodes, problems):
        self.columns = columns
        self.nodes = nodes          # number -> Node (the first row of a number, when repeated)
        self.problems = problems    # Problems found while reading

    def has(self, number):
        return number in self.nodes


def number_of(text):
    """'-585', "'-585", ' 12 ' -> int; anything else -> None."""
    text = (text or '').strip().lstrip("'").strip()
    try:
        return int(text)
    except ValueError:
        return None


MAX_FILE = 64 * 1024 * 1024  # a flow of 560 nodes is about 1 MB
MAX_CELL = 128 * 1024        # the csv module's own limit; Design Studio cells are far smaller


def read(path):
    """The flow at ``path``; a file that cannot be read is a Flow whose problems say why."""
    data, problem = read_limited(path, MAX_FILE)
    if problem:
        return _unreadable(problem + (': not a Design Studio flow' if problem.startswith('is over') else ''))
    if data.startswith(b'PK\x03\x04'):  # a zip: what Excel saves as .xlsx
        return _unreadable("is a spreadsheet (an .xlsx or another zip), not CSV: export the sheet as CSV (UTF-8), in "
                           "Excel with Save As > 'CSV UTF-8 (Comma delimited)'")
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as error:
        line = data.count(b'\n', 0, error.start) + 1
        return _unreadable('is not UTF-8 (byte 0x{:02x} on line {}, likely saved by Excel as Windows-1252): '
                           "save it as UTF-8, in Excel with Save As > 'CSV UTF-8 (Comma delimited)'".format(
                               data[error.start], line))
    return parse(text)


def _unreadable(why):
    return Flow((), {}, [Problem('error', None, 'file', 'the file ' + why)])


def parse(text):
    reader = csv.reader(io.StringIO(text.lstrip('\ufeff')))
    rows = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        cause = ('a cell is over {} KiB'.format(MAX_CELL // 1024) if 'field larger' in str(error)
                 else 'the CSV is malformed ({})'.format(str(error)[:80]))
        return Flow((), {}, [Problem('error', None, 'file', 'line {}: {}; nothing after it was read'.format(
            reader.line_num, cause))])
    problems = []
    if not rows:
        return Flow((), {}, [Problem('error', None, 'header', 'the file is empty')])
    header = [name.strip() for name in rows[0]]
    expected = COLUMNS if len(header) != len(LEGACY_COLUMNS) else LEGACY_COLUMNS
    missing = [name for name in expected if name not in header]
    if missing:
        problems.append(Problem('error', None, 'header', 'missing column(s): {}'.format(', '.join(missing))))
    extra = [name for name in header if name not in COLUMNS]
    if extra:
        problems.append(Problem('warning', None, 'header', 'unknown column(s): {}'.format(', '.join(extra))))
    nodes = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        number = number_of(row[0] if row else '')
        if len(row) != len(header):
            problems.append(Problem('error', number, 'row', 'line {} has {} cells, the header {}'.format(
                line, len(row), len(header))))
        if number is None:
            problems.append(Problem('error', None, 'Node Number', 'line {}: {!r} is not an integer'.format(
                line, (row[0] if row else '')[:20])))
            continue
        if number in nodes:
            problems.append(Problem('error', number, 'Node Number', 'node {} is defined twice (lines {} and {})'.format(
                number, nodes[number].line, line)))
            continue
        nodes[number] = Node(number, dict(zip(header, row)), line)
    return Flow(header, nodes, problems)


def routes(text):
    """What Next? ``value~node|value~node`` (whitespace and newlines allowed) -> [Route], or ValueError."""
    found = []
    for part in text.split('|'):
        part = part.strip()
        if not part:
            continue
        value, tilde, destination = part.rpartition('~')
        if not tilde or not value.strip() or number_of(destination) is None:
            raise ValueError('{!r} is not value~node'.format(part[:40]))
        found.append(Route(value.strip(), number_of(destination)))
    if not found:
        raise ValueError('no value~node pair')
    return found


def options(node):
    """The answers a message node offers: buttons, quick replies, list pickers -> [Option], or ValueError."""
    kind, content = node.cell('Rich Asset Type').lower(), node.cell('Rich Asset Content')
    if kind == 'button':
        found = []
        for part in content.split('|'):
            part = part.strip()
            if part:
                label, tilde, destination = part.rpartition('~')
                if not tilde or number_of(destination) is None:
                    raise ValueError('button {!r} is not Label~node'.format(part[:40]))
                found.append(Option(label.strip(), number_of(destination)))
        return found
    if kind in ('quick_reply', 'listpicker'):
        data = lenient_json(content)
        items = data.get('options') if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ValueError('{} content must be {{"type": "static", "options": [...]}}'.format(kind))
        found = []
        for item in items:
            destination = number_of(str(item.get('dest', ''))) if isinstance(item, dict) else None
            if destination is None or not isinstance(item.get('label'), str):
                raise ValueError('each {} option needs a label and an integer dest'.format(kind))
            found.append(Option(item['label'], destination))
        return found
    return []


def shown_label(label):
    """A button or option label as the user sees it: without its icon prefix."""
    return ICON.sub('', label).strip()


def label_key(label):
    """How a typed answer is matched to a label: case-insensitive, icon prefix ignored."""
    return shown_label(label).lower()


def lenient_json(text, **options):
    """JSON as the platform reads it: raw newlines and tabs inside strings are accepted.
    ValueError for anything unreadable, nesting too deep for the parser included."""
    try:
        return json.loads(text, strict=False, **options)
    except RecursionError:
        raise ValueError('nested too deeply to read')


def references(text):
    return REFERENCE.findall(text or '')
