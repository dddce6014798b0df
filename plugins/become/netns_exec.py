# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: netns_exec
short_description: Run tasks inside a named network namespace of the target host
version_added: 0.1.0
description:
  - Runs each task's command on the target host through C(ip netns exec NAME), so any module, over any connection
    (C(ssh), C(local), ...), runs inside the network namespace O(netns) of the host Ansible reached, exactly as a
    command typed after C(ip netns exec) would.
  - That is, in that network namespace, with the files of C(/etc/netns/NAME/) bound over their C(/etc) counterparts
    and C(/sys) showing the namespace's interfaces, and otherwise on the host's filesystem, as the same user.
  - This is privilege escalation's slot used for a change of namespace rather than of user. It does not change the
    user, so the login user must be allowed to enter namespaces (C(root), or C(CAP_SYS_ADMIN)); O(become_exe) can
    put a command such as C(sudo -n) in front of C(ip) where it is not.
  - A namespace missing on the target fails the task with a message naming it (the command is not run).
author:
  - linuxnet.netns maintainers (@linuxnet)
options:
  netns:
    description:
      - Name of the namespace, an entry of C(/run/netns) on the target as C(ip netns add) makes it.
    type: str
    required: true
    vars:
      - name: ansible_become_netns
    env:
      - name: ANSIBLE_BECOME_NETNS
    ini:
      - section: netns_exec_become_plugin
        key: netns
  become_exe:
    description:
      - The C(ip) command on the target. It may be a command line, for example C(sudo -n ip) for a login user that
        may run C(ip) through C(sudo) without a password.
    type: str
    default: ip
    vars:
      - name: ansible_become_exe
      - name: ansible_netns_exec_exe
    env:
      - name: ANSIBLE_BECOME_EXE
      - name: ANSIBLE_NETNS_EXEC_EXE
    ini:
      - section: netns_exec_become_plugin
        key: executable
    keyword:
      - name: become_exe
notes:
  - Not under Mitogen (strategies C(mitogen_*)), which never runs a become plugin's command; a task with this
    become method fails there with a message saying so, instead of running in the host namespace.
  - C(become_user) has no meaning here and is ignored; leave it at its default so Ansible treats the task as run by
    a privileged user (no temporary file permission changes).
  - Pipelining works (no terminal is needed) and is recommended.
  - Files Ansible transfers (temporary module files, M(ansible.builtin.copy) sources) go through the connection, on
    the host's filesystem; only the task's commands run in the namespace. A module writing to a path bound from
    C(/etc/netns/NAME/) (for example C(/etc/resolv.conf)) therefore writes the namespace's file.
  - To run tasks in namespaces of the host Ansible runs on, the P(linuxnet.netns.netns#connection) connection plugin makes
    each namespace an inventory host of its own.
seealso:
  - plugin: linuxnet.netns.netns
    plugin_type: connection
  - name: ip-netns(8)
    description: The iproute2 command that creates and enters named namespaces.
    link: https://man7.org/linux/man-pages/man8/ip-netns.8.html
'''

EXAMPLES = r'''
- name: Ping a neighbour from inside the namespace "app" of each remote host
  ansible.builtin.command: ping -c 1 -W 2 198.18.20.3
  become: true
  become_method: linuxnet.netns.netns_exec
  vars:
    ansible_become_netns: app
  changed_when: false

- name: Any module runs in the namespace, for example the collection's own without their netns option
  linuxnet.netns.address:
    dev: eth0
    address: 198.18.20.1/24
  become: true
  become_method: linuxnet.netns.netns_exec
  vars:
    ansible_become_netns: app
'''

import shlex

from ansible.errors import AnsibleError
from ansible.plugins.become import BecomeBase

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._validate import netns_name


def check_netns_name(name):
    """The name as ip netns exec takes it: an entry of /run/netns, never a path."""
    try:
        return netns_name(name, 'ansible_become_netns')
    except ParameterError as exc:
        raise AnsibleError('linuxnet.netns.netns_exec: %s' % exc.msg)


def mitogen_active():
    """Is a Mitogen strategy running this play? It wraps Ansible's connection loader while it runs."""
    from ansible.plugins.loader import connection_loader
    wrapped = getattr(connection_loader, 'get_with_context', None)
    return getattr(wrapped, '__module__', '').startswith('ansible_mitogen')


MITOGEN_REFUSAL = (
    'linuxnet.netns.netns_exec cannot run a task inside network namespace %r under Mitogen (strategy mitogen_*): '
    'Mitogen starts its own interpreter on the host and never runs the command this become plugin builds, so the '
    'task would run in the host namespace. Run these tasks with strategy linear (for example a play with '
    '"strategy: linear"), or reach the namespace with the linuxnet.netns.netns connection on the host itself.')


class BecomeModule(BecomeBase):

    name = 'linuxnet.netns.netns_exec'

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super(BecomeModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        # Mitogen ignores become plugins it does not know (and skips become altogether when the become user is
        # the login user): fail the task rather than let it run on the host
        if mitogen_active():
            raise AnsibleError(MITOGEN_REFUSAL % self.get_option('netns'))

    def build_become_command(self, cmd, shell):
        super(BecomeModule, self).build_become_command(cmd, shell)
        if not cmd:
            return cmd
        netns = check_netns_name(self.get_option('netns'))
        quoted = shlex.quote(netns)
        exe = self.get_option('become_exe') or 'ip'
        # ip would exit 255 for a missing namespace, which the ssh connection takes for its own failure
        # (UNREACHABLE); test first, so the task fails with a message naming the namespace instead
        missing = shlex.quote('linuxnet.netns.netns_exec: network namespace %s does not exist on this host '
                              '(no /run/netns/%s)' % (netns, netns))
        return ('if [ ! -e /run/netns/%s ]; then echo %s >&2; exit 1; fi; %s netns exec %s %s'
                % (quoted, missing, exe, quoted, self._build_success_command(cmd, shell)))
