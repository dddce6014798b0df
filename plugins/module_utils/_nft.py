# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nftables through the nft command: running it inside a namespace, and reading what it lists.

nft is run as a child of this thread while the thread is inside the namespace (Session.inside), so the child
is born there: no nsenter, no `ip netns exec` (which would also bind-mount /etc/netns files). Listings are read
in nft's own text form with -s (no counter or quota values), which is what the kernel holds as nft prints it:
the module compares that, never its own rendering.

Private to this collection: may change without notice.
"""

import os
import re
import subprocess

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, from_os_error
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label

INSTALL_HINT = ('install the nftables package: apt install nftables (Debian, Ubuntu), '
                'dnf install nftables (Fedora, RHEL)')
# where distributions put nft; a login shell of a non-root user may lack the sbin directories in PATH
SEARCH_DIRS = ('/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin', '/bin')
TIMEOUT = 120  # seconds; nft answers in milliseconds, this only keeps a wedged kernel from hanging a boot
MAX_CHILDREN = 32  # nft processes at a time (three pipes each)
# "/dev/stdin:12:5-20: Error: syntax error, ..." : the line of the script nft refused, and why
ERROR_RE = re.compile(r'^(?:/dev/stdin|-|<cmdline>):(\d+):[\d-]+: Error: (.*)$')
TABLE_RE = re.compile(r'^table (\S+) (\S+) \{$')
CHAIN_RE = re.compile(r'^\tchain (\S+) \{$')
HOOK_RE = re.compile(r'^\t\ttype (\S+) hook (\S+)(?: device \S+)? priority ([^;]+);(?: policy (\w+);)?')

_FOUND = []  # the nft found by find(), once per process


class Child:
    """A started command: result() waits for it and returns (exit status, stdout, stderr)."""

    def __init__(self, argv, stdin):
        env = dict(os.environ, LC_ALL='C')
        self.stdin = stdin
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     universal_newlines=True)

    def result(self):
        try:
            out, err = self.proc.communicate(self.stdin, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise
        return self.proc.returncode, out, err


def spawn(argv, stdin=None):
    """Start a command in the namespace this thread is in: the one place a process is started (unit tests
    replace it). Raises OSError when it cannot be started."""
    return Child(argv, stdin)


def find():
    """The absolute path of nft, or None."""
    if not _FOUND:
        dirs = [d for d in os.environ.get('PATH', '').split(os.pathsep) if d] + list(SEARCH_DIRS)
        _FOUND.append(next((os.path.join(d, 'nft') for d in dirs if os.access(os.path.join(d, 'nft'), os.X_OK)),
                           None))
    return _FOUND[0]


def require(param):
    """Fail, before anything changes, when nft is not installed."""
    if find() is None:
        raise NetnsError('%s: the nft command (nftables) is needed and was not found in PATH or %s; %s'
                         % (param, ', '.join(SEARCH_DIRS), INSTALL_HINT), param=param)


class NftError(NetnsError):
    """nft refused a script: errors are (line of the script, message)."""

    def __init__(self, what, stderr):
        self.errors = []
        for line in stderr.splitlines():
            match = ERROR_RE.match(line)
            if match:
                self.errors.append((int(match.group(1)), match.group(2)))
        if self.errors:
            detail = '; '.join(message for _line, message in self.errors)
        else:
            detail = ' '.join(stderr.split()) or 'no message'
        super(NftError, self).__init__('%s failed: nft: %s' % (what, detail))
        self.detail = detail


def run(session, ns, args, what, stdin=None, scratch=False):
    """stdout of nft ARGS inside namespace ns (None: the module's own), or in the session's throw-away
    namespace with scratch. Raises NftError when nft refuses, NetnsError when it cannot run."""
    return _finish(_start(session, ns, args, what, stdin, scratch), what)


def _start(session, ns, args, what, stdin=None, scratch=False):
    path = find()
    if path is None:
        require('nft')
    where = session.inside_new() if scratch else session.inside(ns)
    try:
        with where:
            return spawn([path] + list(args), stdin)  # the child is born in the namespace, then we leave it
    except OSError as exc:
        raise from_os_error(exc, what)


def _finish(child, what):
    try:
        status, out, err = child.result()
    except subprocess.TimeoutExpired:
        raise NetnsError('%s failed: nft did not answer within %d seconds' % (what, TIMEOUT))
    except OSError as exc:
        raise from_os_error(exc, what)
    if status != 0:
        raise NftError(what, err)
    return out


def listings(session, namespaces):
    """{namespace: its tables, or the NetnsError reading them}, listed by nft processes running side by side
    (MAX_CHILDREN at a time): a listing mostly waits for the kernel, so N of them take far less than N times one."""
    found = {}
    pending = list(namespaces)
    while pending:
        started = []
        for ns in pending[:MAX_CHILDREN]:
            what = 'listing the nftables ruleset of %s' % label(ns)
            try:
                started.append((ns, what, _start(session, ns, ['-s', 'list', 'ruleset'], what)))
            except NetnsError as exc:
                found[ns] = exc
        for ns, what, child in started:
            try:
                found[ns] = parse_ruleset(_finish(child, what))
            except NetnsError as exc:
                found[ns] = exc
        pending = pending[MAX_CHILDREN:]
    return found


def listing(session, ns, scratch=False):
    """The tables of a namespace (or of the scratch namespace) as `nft -s list ruleset` prints them."""
    where = 'a scratch namespace' if scratch else label(ns)
    return parse_ruleset(run(session, ns, ['-s', 'list', 'ruleset'], 'listing the nftables ruleset of %s' % where,
                             scratch=scratch))


def load(session, ns, script, what, scratch=False):
    """Apply a script in one transaction: all of it, or (nft refusing any line) none of it."""
    run(session, ns, ['-f', '-'], what, stdin=script, scratch=scratch)


class Chain:
    __slots__ = ('name', 'type', 'hook', 'priority', 'policy', 'rules')

    def __init__(self, name):
        self.name = name
        self.type = self.hook = self.priority = self.policy = None
        self.rules = []  # rule lines, as nft prints them (without the indentation)


class Table:
    """One table of a listing: its lines as printed (blank lines dropped), and its chains."""

    __slots__ = ('family', 'name', 'lines', 'chains', 'comment')

    def __init__(self, family, name):
        self.family = family
        self.name = name
        self.lines = []
        self.chains = []
        self.comment = None

    def chain(self, name):
        return next((chain for chain in self.chains if chain.name == name), None)

    def base_chains(self, hook):
        return [chain for chain in self.chains if chain.hook == hook]


def parse_ruleset(text):
    """The tables of nft's text listing, in order.

    Only what the listing format guarantees is read: a table starts with "table FAMILY NAME {" and ends with
    "}" at the start of a line, chains and sets are indented once, their contents twice.
    """
    tables = []
    table = chain = None
    block = None  # the kind of the once-indented block we are in (chain, set, map...)
    for line in text.splitlines():
        if not line.strip():
            continue
        if table is None:
            match = TABLE_RE.match(line)
            if match:
                table = Table(match.group(1), match.group(2))
                table.lines.append(line)
            continue
        table.lines.append(line)
        if line == '}':
            tables.append(table)
            table = chain = block = None
        elif line.startswith('\t') and not line.startswith('\t\t'):
            words = line.split()
            if line == '\t}':
                chain = block = None
            elif words[0] == 'comment' and block is None:
                table.comment = _unquote(line.strip()[len('comment '):])
            elif line.endswith('{'):
                block = words[0]
                match = CHAIN_RE.match(line)
                chain = Chain(match.group(1)) if match else None
                if chain is not None:
                    table.chains.append(chain)
        elif chain is not None:
            match = HOOK_RE.match(line)
            if match and chain.hook is None and not chain.rules:
                chain.type, chain.hook, chain.priority, chain.policy = match.groups()
            else:
                chain.rules.append(line.strip())
    return tables


def _unquote(text):
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text
