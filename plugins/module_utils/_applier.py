# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Boot persistence without Ansible: the persisted description, and the applier that converges it at boot.

The topology module writes the description it validated (already normalised, so applying it needs no argument
spec) and installs the applier: a small command plus the core files it imports, copied from the module's own
payload. Which core files those are is computed from the import statements, starting at this file, so a new
core file is never forgotten; nothing Ansible is imported on that path (the unit test runs the installed
applier with Ansible made unimportable).

Private to this collection: may change without notice.
"""

import json
import os
import pkgutil
import re
import sys

from ansible_collections.linuxnet.netns.plugins.module_utils import _files as files
from ansible_collections.linuxnet.netns.plugins.module_utils import _topology as topology
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.plugins.module_utils._ownership import RECORD_VERSION, STATE_DIR
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import PRESENT

CORE_PACKAGE = 'ansible_collections.linuxnet.netns.plugins.module_utils'
APPLIER_NAME = 'linuxnet-netns-apply'
# the command: everything it does is main() below, run from the copied core
COMMAND = '''#!@PYTHON@
"""Re-apply persisted linuxnet.netns topologies (written by the topology module), without Ansible.

usage: linuxnet-netns-apply FILE [FILE ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from ansible_collections.linuxnet.netns.plugins.module_utils._applier import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:], __doc__))
'''
_CORE_IMPORT = re.compile(r'^from ansible_collections\.linuxnet\.netns\.plugins\.module_utils(?:\.(_\w+))? import ([\w ,()]+)',
                          re.MULTILINE)


def persisted_content(normalised, state=PRESENT, purge=False, name='default', state_dir=STATE_DIR):
    """The boot-time description: already validated and normalised, so applying it needs no Ansible."""
    return json.dumps({'version': RECORD_VERSION, 'name': name, 'state': state, 'purge': purge,
                       'state_dir': state_dir, 'topology': normalised}, indent=1, sort_keys=True) + '\n'


def persist(path, content, check_mode=False):
    """Write the persisted description where it differs; return whether it did (or would)."""
    return files.update_file(path, content, check_mode, what='persist_file')


def apply_persisted(path):
    """What the boot unit runs: converge the persisted description with the same core."""
    try:
        text = files.read_text(path)
        if text is None:
            raise NetnsError('cannot read the persisted topology %s: it does not exist' % path)
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise NetnsError('cannot read the persisted topology %s: %s' % (path, exc))
    if not isinstance(data, dict) or data.get('version') != RECORD_VERSION:
        raise NetnsError('%s has version %r, expected %d' % (
            path, data.get('version') if isinstance(data, dict) else None, RECORD_VERSION))
    return topology.converge_topology(data['topology'], state=data.get('state', PRESENT),
                                      purge=data.get('purge', False), name=data.get('name', 'default'),
                                      state_dir=data.get('state_dir', STATE_DIR))


def main(paths, usage=''):
    if not paths:
        sys.stderr.write(usage)
        return 2
    status = 0
    for path in paths:
        try:
            result = apply_persisted(path)
        except NetnsError as exc:
            sys.stderr.write('%s: %s\n' % (path, exc.msg))
            status = 1
            continue
        for action in result['actions']:
            sys.stdout.write('%s: %s\n' % (path, action))
        sys.stdout.write('%s: %s (%d objects, %.2f s)\n' % (
            path, 'changed' if result['changed'] else 'unchanged', result['stats']['objects'],
            result['stats']['seconds']))
    return status


def core_source(name):
    """Source of a core file: from the AnsiballZ payload when run as a module, else beside this file."""
    try:
        data = pkgutil.get_data(CORE_PACKAGE, name + '.py')
    except (OSError, ImportError):
        data = None
    if data is None:
        try:
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name + '.py'), 'rb') as handle:
                data = handle.read()
        except OSError as exc:
            raise NetnsError('cannot read the core file %s.py to install the applier: %s' % (name, exc))
    return data.decode('utf-8')


def core_files(start='_applier'):
    """{name: source} of the core files the applier needs: start and, transitively, what they import."""
    sources = {}
    todo = [start]
    while todo:
        name = todo.pop()
        if name in sources:
            continue
        sources[name] = core_source(name)
        for module, names in _CORE_IMPORT.findall(sources[name]):
            if module:
                todo.append(module)
            else:  # from ...module_utils import _kernel as kernel, _nl as nl
                todo.extend(word for word in re.split(r'[\s,()]+', names) if word.startswith('_'))
    return sources


def applier_files(lib_dir):
    """{path: (content, mode)} of the boot-time applier: the core sources and the command that runs them."""
    # the interpreter running this module has pyroute2; the applier uses the same one
    result = {os.path.join(lib_dir, APPLIER_NAME): (COMMAND.replace('@PYTHON@', sys.executable, 1), 0o755)}
    package_dir = os.path.join(lib_dir, *CORE_PACKAGE.split('.'))
    for name, source in core_files().items():
        result[os.path.join(package_dir, name + '.py')] = (source, 0o644)
    return result


def install(lib_dir, check_mode=False):
    """Write the applier under lib_dir where it differs; return whether anything was (or would be) written."""
    changed = False
    for path, (content, mode) in sorted(applier_files(lib_dir).items()):
        changed = files.update_file(path, content, check_mode, mode, what='persist_lib') or changed
    return changed
