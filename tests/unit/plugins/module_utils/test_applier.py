# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The boot-time applier: its file list comes from the imports, and it runs where Ansible cannot be imported."""

import json
import os
import subprocess
import sys

from ansible_collections.linuxnet.netns.plugins.module_utils import _applier as applier
from ansible_collections.linuxnet.netns.plugins.module_utils import _files as files

# Runs the installed command as the boot unit does, with every import of "ansible" failing and this test's
# collection copy off the path: only what install() wrote can be imported.
BLOCK_ANSIBLE = (
    'import runpy, sys\n'
    'sys.path = [p for p in sys.path if "ansible_collections" not in p and p != ""]\n'
    'sys.modules["ansible"] = None\n'
    'sys.argv = sys.argv[1:]\n'
    'runpy.run_path(sys.argv[0], run_name="__main__")\n'
)


def install(tmp_path):
    lib = str(tmp_path / 'lib')
    assert applier.install(lib) is True
    assert applier.install(lib) is False  # written only where it differs
    return lib


def run_installed(lib, *args):
    command = os.path.join(lib, applier.APPLIER_NAME)
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    return subprocess.run([sys.executable, '-c', BLOCK_ANSIBLE, command] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=env, cwd='/', check=False)


def test_the_file_list_follows_the_imports(tmp_path):
    lib = install(tmp_path)
    package = os.path.join(lib, *applier.CORE_PACKAGE.split('.'))
    installed = sorted(name[:-3] for name in os.listdir(package))
    assert installed == sorted(applier.core_files())
    # what a topology needs is there, what needs Ansible (the module glue) is not
    for needed in ('_applier', '_topology', '_kinds', '_ownership', '_reconcile', '_session', '_netns', '_veth',
                   '_link', '_link_kinds', '_links', '_address', '_route', '_netlink', '_netlink_socket', '_nl',
                   '_kernel', '_files'):
        assert needed in installed
    assert '_runner' not in installed
    for name in installed:
        with open(os.path.join(package, name + '.py')) as handle:
            source = handle.read()
        assert 'from ansible.' not in source and 'import ansible\n' not in source, name


def test_the_installed_applier_runs_without_ansible(tmp_path):
    lib = install(tmp_path)
    usage = run_installed(lib)
    assert usage.returncode == 2, usage.stderr
    assert 'usage: linuxnet-netns-apply FILE' in usage.stderr
    missing = run_installed(lib, str(tmp_path / 'missing.json'))
    assert missing.returncode == 1, missing.stderr
    assert 'cannot read the persisted topology' in missing.stderr and 'Traceback' not in missing.stderr
    wrong = tmp_path / 'wrong.json'
    wrong.write_text(json.dumps({'version': 99, 'topology': {}}))
    refused = run_installed(lib, str(wrong))
    assert refused.returncode == 1 and 'has version 99, expected 1' in refused.stderr, refused.stderr


def test_a_large_text_is_written_whole_a_slice_at_a_time(tmp_path):
    # slices of characters, so a character of several bytes is never cut
    content = ('\u00e4' * 7 + '\u20ac\n') * (files.WRITE_SLICE // 3)
    path = str(tmp_path / 'record.json')
    files.write_atomic(path, content)
    with open(path, 'rb') as handle:
        assert handle.read() == content.encode('utf-8')
    assert len(content) > 2 * files.WRITE_SLICE and os.listdir(str(tmp_path)) == ['record.json']
