# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: netns
short_description: Run tasks inside a named network namespace of the machine Ansible runs on
version_added: 0.1.0
description:
  - Makes each named network namespace of the controller (an entry of C(/run/netns), as C(ip netns add) or
    M(linuxnet.netns.netns) makes it) an inventory host of its own. Every command of a task runs through
    C(ip netns exec NAME), so any module runs exactly as a command typed after C(ip netns exec) would.
  - That is, in the namespace's network stack, with the files of C(/etc/netns/NAME/) bound over their C(/etc)
    counterparts (C(resolv.conf), C(hosts)...) and C(/sys) showing the namespace's interfaces. Nothing else is
    entered; processes, users and the rest of the filesystem are the controller's, shared with every namespace.
  - File transfers are plain copies on the shared filesystem. A path under C(/etc) whose first component is bound
    from C(/etc/netns/NAME/) is read or written at its C(/etc/netns/NAME/) source, so transfers see the same files
    as the task's commands.
  - A namespace that does not exist (or a C(/run/netns) entry that is not a network namespace) makes the host
    UNREACHABLE, with a message naming the namespace.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - connection_pipelining
options:
  netns_name:
    description:
      - Name of the namespace to run in, an entry of C(/run/netns).
      - Defaults to the inventory host name, so an inventory of namespaces needs nothing but their names; set
        C(ansible_netns_name) when the inventory name differs.
      - With C(delegate_to) a namespace host, the namespace is the delegated host's (through C(ansible_host), which
        Ansible sets to the delegated host's name unless its inventory gives one), not the name of the host the task
        runs for.
    type: str
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_netns_name
notes:
  - Entering a namespace needs C(CAP_SYS_ADMIN) on the controller, so Ansible must run as root (the plugin checks
    it). The remote user is ignored, as with the C(local) connection.
  - Become runs inside the namespace, for example C(become_user=nobody) with C(become_method=su) runs the module as
    C(nobody) in the namespace.
  - Pipelining is supported (no terminal is involved) and saves several namespace entries per task.
  - Modules see C(/etc/resolv.conf) and the other bound files of C(/etc/netns/NAME/) as the namespace's. Writing such
    a file by renaming a new file over it, as M(ansible.builtin.copy) and M(ansible.builtin.template) do, fails
    with C(Device or resource busy) because it is a mount point inside the namespace; write them with
    O(ansible.builtin.copy#module:unsafe_writes=true), or manage them with the O(linuxnet.netns.netns#module:etc_files)
    option, from outside the namespace.
  - To run tasks in a namespace of a remote host, use the P(linuxnet.netns.netns_exec#become) become plugin over
    the usual connection instead.
seealso:
  - plugin: linuxnet.netns.netns_exec
    plugin_type: become
  - module: linuxnet.netns.netns
  - name: ip-netns(8)
    description: The iproute2 command that creates and enters named namespaces.
    link: https://man7.org/linux/man-pages/man8/ip-netns.8.html
'''

EXAMPLES = r'''
# inventory.ini: every host is a namespace of the controller
#   [namespaces]
#   red
#   blue
#   web  ansible_netns_name=lnt-web-01
#   [namespaces:vars]
#   ansible_connection=linuxnet.netns.netns
#   ansible_pipelining=true

- name: Each namespace's view of itself
  hosts: namespaces
  gather_facts: false
  tasks:
    - name: Interfaces of this namespace only
      ansible.builtin.command: ip -br link
      changed_when: false

    - name: The collection's modules without netns act on the namespace they run in
      linuxnet.netns.address:
        dev: eth0
        address: 10.0.0.1/24
'''

import errno
import fcntl
import getpass
import os
import selectors
import shutil
import subprocess

import ansible.constants as C
from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._validate import netns_name

display = Display()

NETNS_RUN_DIR = '/run/netns'
ETC_NETNS_DIR = '/etc/netns'
NS_GET_NSTYPE = 0xb703  # ioctl: the CLONE_NEW* type of a namespace file (Linux 4.11+)
CLONE_NEWNET = 0x40000000
CAP_SYS_ADMIN = 21
IP_FALLBACKS = ('/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip')


def netns_name_problem(name):
    """Why name cannot be an ip netns name (an entry of /run/netns, never a path), or None."""
    try:
        netns_name(name, 'ansible_netns_name')
    except ParameterError as exc:
        return exc.msg
    return None


def netns_problem(name):
    """Why /run/netns/NAME cannot be entered as a network namespace, or None if it can."""
    path = os.path.join(NETNS_RUN_DIR, name)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return 'network namespace %r does not exist (no %s)' % (name, path)
        return 'network namespace %r cannot be opened (%s: %s)' % (name, path, exc.strerror)
    try:
        kind = fcntl.ioctl(fd, NS_GET_NSTYPE)
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOTTY:
            return ('%s is not a namespace but a plain file (for example left by an interrupted ip netns add), '
                    'so network namespace %r does not exist' % (path, name))
        return None  # a kernel without NS_GET_NSTYPE: ip netns exec will tell
    finally:
        os.close(fd)
    if kind != CLONE_NEWNET:
        return '%s is a namespace of another type, not a network namespace' % path
    return None


def has_cap_sys_admin():
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('CapEff:'):
                    return bool(int(line.split()[1], 16) & (1 << CAP_SYS_ADMIN))
    except (IOError, OSError, ValueError):
        pass
    return os.geteuid() == 0


def find_ip():
    found = shutil.which('ip')
    if found:
        return found
    for candidate in IP_FALLBACKS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


class Connection(ConnectionBase):
    """Commands through ip netns exec on the controller; files by plain copies on the shared filesystem."""

    transport = 'linuxnet.netns.netns'
    has_pipelining = True

    def __init__(self, *args, **kwargs):
        super(Connection, self).__init__(*args, **kwargs)
        self.netns = None
        self.ip = None

    def _connect(self):
        if self._connected:
            return self
        name = self.get_option('netns_name')
        problem = netns_name_problem(name) or netns_problem(name)
        if problem:
            raise AnsibleConnectionFailure(problem)
        if not has_cap_sys_admin():
            raise AnsibleConnectionFailure('entering network namespace %r needs CAP_SYS_ADMIN: run Ansible as root'
                                           % name)
        self.ip = find_ip()
        if self.ip is None:
            raise AnsibleConnectionFailure('the ip command (iproute2) is not installed on the controller')
        self.netns = name
        # like the local connection: the task runs as the user running Ansible, whatever remote_user says
        self._play_context.remote_user = getpass.getuser()
        display.vvv('ESTABLISH NETNS CONNECTION TO %s' % name, host=name)
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        executable = C.DEFAULT_EXECUTABLE.split()[0] if C.DEFAULT_EXECUTABLE else '/bin/sh'
        # an argument vector, no shell of ours around it: the command reaches the namespace's shell untouched
        argv = [self.ip, 'netns', 'exec', self.netns, executable, '-c', cmd]
        display.vvv('EXEC %s' % to_text(cmd), host=self.netns)
        process = subprocess.Popen([to_bytes(arg, errors='surrogate_or_strict') for arg in argv],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        become_output = b''
        if sudoable and self.become and self.become.expect_prompt():
            become_output = self._answer_become_prompt(process)
        stdout, stderr = process.communicate(in_data)
        if process.returncode == 255:
            # ip netns exec's own failure: say so plainly if the namespace went away since the task began
            problem = netns_problem(self.netns)
            if problem:
                raise AnsibleConnectionFailure('%s (ip netns exec: %s)' % (problem, to_native(stderr).strip()))
        return process.returncode, become_output + stdout, stderr

    def _answer_become_prompt(self, process):
        """Wait for become's success marker or its password prompt, and answer the prompt."""
        output = b''
        selector = selectors.DefaultSelector()
        for stream in (process.stdout, process.stderr):
            fcntl.fcntl(stream, fcntl.F_SETFL, fcntl.fcntl(stream, fcntl.F_GETFL) | os.O_NONBLOCK)
            selector.register(stream, selectors.EVENT_READ)
        try:
            while not self.become.check_success(output) and not self.become.check_password_prompt(output):
                events = selector.select(self._play_context.timeout)
                if not events:
                    process.kill()
                    raise AnsibleError('timeout waiting for the privilege escalation password prompt: %s'
                                       % to_native(output))
                chunk = b''.join(key.fileobj.read() or b'' for key, _mask in events)
                if not chunk:
                    raise AnsibleError('privilege escalation ended while waiting for its password prompt: %s'
                                       % to_native(output))
                output += chunk
        finally:
            selector.close()
        for stream in (process.stdout, process.stderr):
            fcntl.fcntl(stream, fcntl.F_SETFL, fcntl.fcntl(stream, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        if not self.become.check_success(output):
            password = self.become.get_option('become_pass', playcontext=self._play_context) or ''
            process.stdin.write(to_bytes(password, errors='surrogate_or_strict') + b'\n')
            process.stdin.flush()
            return b''
        return output

    def host_path(self, path):
        """Where path is on the controller's filesystem, for the namespace: ip netns exec binds every entry of
        /etc/netns/NAME/ over the /etc entry of the same name (when that exists)."""
        path = os.path.normpath(os.path.abspath(path))
        parts = path.split(os.sep)
        if len(parts) > 2 and parts[1] == 'etc' and parts[2]:
            source = os.path.join(ETC_NETNS_DIR, self.netns, parts[2])
            if os.path.lexists(source) and os.path.exists(os.path.join('/etc', parts[2])):
                return os.path.join(source, *parts[3:])
        return path

    def _copy(self, source, destination, what):
        if not os.path.exists(to_bytes(source, errors='surrogate_or_strict')):
            raise AnsibleFileNotFound('file or module does not exist: %s' % to_native(source))
        try:
            shutil.copyfile(to_bytes(source, errors='surrogate_or_strict'),
                            to_bytes(destination, errors='surrogate_or_strict'))
        except shutil.Error:
            raise AnsibleError('failed to %s %s to %s: they are the same file' % (what, to_native(source),
                                                                                  to_native(destination)))
        except (IOError, OSError) as exc:
            raise AnsibleError('failed to %s %s to %s: %s' % (what, to_native(source), to_native(destination),
                                                              to_native(exc)))

    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        destination = self.host_path(out_path)
        display.vvv('PUT %s TO %s' % (in_path, destination), host=self.netns)
        self._copy(in_path, destination, 'put')

    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        source = self.host_path(in_path)
        display.vvv('FETCH %s TO %s' % (source, out_path), host=self.netns)
        self._copy(source, out_path, 'fetch')

    def reset(self):
        self.close()

    def close(self):
        self._connected = False
