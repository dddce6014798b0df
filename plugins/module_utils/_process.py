# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running other programs and reading what they print: the container runtimes' command-line tools (podman,
crictl, ctr) and systemctl.

A module of its own so that the clients of _engines (Docker, Podman) and of _engines_cri (crictl, ctr) share
it without importing each other, and _service runs systemctl without loading the container clients.

Private to this collection: may change without notice.
"""

import json
import os
import subprocess

from ansible.module_utils.common.process import get_bin_path

from ansible_collections.linuxnet.netns.plugins.module_utils._containers import COMMAND_TIMEOUT, Unavailable
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError


def run_command(argv, timeout=COMMAND_TIMEOUT):
    """Run argv; (rc, stdout, stderr) as text. Raises OSError if it cannot be started."""
    env = dict(os.environ, LC_ALL='C', LANG='C')
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, close_fds=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise NetnsError('%s did not finish within %d seconds' % (' '.join(argv), timeout))
    return proc.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')


def find_command(name, param='runtime'):
    try:
        return get_bin_path(name)
    except ValueError:
        raise Unavailable(param, '%s not found on the target (looked in PATH and the sbin directories)' % name)


def has_command(name):
    try:
        get_bin_path(name)
    except ValueError:
        return False
    return True


def load_json(text, what):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise NetnsError('container: cannot parse the output of %s: %s' % (what, exc))


def last_line(text):
    """The message of a failed command: CLIs print warnings first and the error last."""
    lines = [line.strip() for line in (text or '').strip().splitlines() if line.strip()]
    return lines[-1] if lines else '(no message)'
