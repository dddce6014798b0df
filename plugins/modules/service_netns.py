#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: service_netns
short_description: Run an existing systemd unit inside a named network namespace
version_added: 0.1.0
description:
  - Writes the drop-in C(UNIT.d/linuxnet-netns.conf) in O(unit_dir) that makes an existing systemd service (or
    socket) run inside the network namespace O(netns), with C(NetworkNamespacePath=/run/netns/NAME).
  - With O(bind_etc=true) the drop-in also binds each file of C(/etc/netns/NAME/) over its C(/etc) counterpart,
    read-only (C(BindReadOnlyPaths=)), as C(ip netns exec) does. systemd does not do this by itself, so a unit
    that only joins a namespace reads the host's C(/etc/resolv.conf) (systemd issue 28694).
  - With O(after_topology) (or O(requires)) the unit is ordered after, and requires, what creates the namespace at
    boot, so it never starts before its namespace exists, at boot or later.
  - The drop-in is compared by content and written atomically. systemd reloads its units only when the drop-in was
    written or removed, and the unit is restarted only when it is running and the change concerns it (O(restart)).
  - Where systemd is not running, or does not read O(unit_dir) (an image, a chroot, a container being prepared),
    the drop-in is written for the next boot and nothing else is done; RV(systemd) says which.
author:
  - linuxnet.netns maintainers (@linuxnet)
options:
  unit:
    description:
      - Name of the unit, for example V(web.service) or V(openvpn-client@work.service). It must exist where
        systemd runs.
      - A unit name, not a path. Only C(.service) and C(.socket) units run processes that can join a namespace;
        other unit types and bare templates (V(name@.service)) are refused.
    type: str
    required: true
  netns:
    description:
      - Name of the network namespace (under C(/run/netns)) to run the unit in. Required with O(state=present).
      - Letters, digits and C(_.@+-) only, because the drop-in carries it as it is.
      - The namespace need not exist when the drop-in is written, only when the unit starts; a running unit is
        restarted into it only if it exists.
    type: str
  state:
    description:
      - V(present) writes the drop-in; V(absent) removes it (and the C(UNIT.d) directory when nothing else is in it).
      - After a removal a running unit is restarted (with O(restart=true)) and runs where its own unit file says,
        normally in the host's namespace.
    type: str
    choices: [present, absent]
    default: present
  bind_etc:
    description:
      - Bind each entry of C(/etc/netns/NAME/) over the C(/etc) entry of the same name, read-only, as
        C(ip netns exec) does. Entries are listed when the module runs; run it again after adding or removing one.
      - An entry is bound only if its C(/etc) counterpart exists (C(ip netns exec) skips it too; systemd would
        create an empty file in the host's C(/etc) to mount onto). Entries left out are named in a warning.
      - Where the C(/etc) entry is a symlink (C(/etc/resolv.conf) of systemd-resolved), the file is mounted on the
        symlink's target inside the unit, and a program that replaces that target by renaming a new file over it
        detaches the mount inside the unit until the unit restarts; the module warns.
    type: bool
    default: true
  after_topology:
    description:
      - Name of the topology (C(netns_name) of the M(linuxnet.netns.topology) role, with persistence) whose boot
        unit C(linuxnet-netns-NAME.service) creates the namespace. The drop-in orders the unit after it and requires
        it (C(After=), C(Requires=)), so the unit starts only once the namespace is there and stops with it.
      - That unit must exist in O(unit_dir) (or be known to systemd).
    type: str
  requires:
    description:
      - Other units that must be active before the unit starts, for example a C(netns@NAME.service) of your own
        that creates the namespace. Each gets C(After=) and C(Requires=). Where systemd runs, each must exist.
    type: list
    elements: str
    default: []
  restart:
    description:
      - Restart the unit when it is running and the drop-in was written or removed, or when its main process runs
        outside O(netns) (started before the drop-in, for example). An inactive unit is not started.
      - With V(false) the change takes effect when the unit next starts; the module warns if it is running.
    type: bool
    default: true
  unit_dir:
    description:
      - Directory the drop-in directory C(UNIT.d) is written to. Units in other directories are extended all the
        same, because systemd reads the drop-ins of every unit search path.
      - systemd is reloaded, and the unit restarted, only where systemd runs and reads this directory.
    type: path
    default: /etc/systemd/system
requirements:
  - systemd 242 or newer (C(NetworkNamespacePath=)) where the unit runs; older versions are refused.
  - Root, to write O(unit_dir) and to restart the unit. pyroute2 is not needed.
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
    details:
      - The diff is the drop-in's text before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    platforms: posix
    support: full
    details: Linux with systemd; tested on Debian 12 (systemd 252), booted and not booted.
  action_group:
    description: Use C(group/linuxnet.netns.netns) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - linuxnet.netns.netns
notes:
  - The namespace itself is not made here. Make it persistent with the M(linuxnet.netns.topology) role
    (C(netns_persist=true)) and pass its name as O(after_topology), or let the role do both with its
    C(netns_services) option.
  - C(BindReadOnlyPaths=) gives the unit a private mount namespace, in which mounts it makes stay its own, so a
    unit that itself runs C(ip netns add) should be bound with O(bind_etc=false).
seealso:
  - module: linuxnet.netns.topology
  - module: linuxnet.netns.netns
  - name: systemd.exec(5), NetworkNamespacePath=
    description: How systemd puts a unit's processes into a network namespace.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#NetworkNamespacePath=
  - name: systemd issue 28694
    description: A unit in a network namespace reads the host's resolv.conf unless the namespace's is bound over it.
    link: https://github.com/systemd/systemd/issues/28694
'''

EXAMPLES = r'''
- name: Run web.service inside the namespace app, made at boot by the topology "lab"
  linuxnet.netns.service_netns:
    unit: web.service
    netns: app
    after_topology: lab

- name: Write the drop-in into an image being built, for its first boot (nothing is reloaded)
  linuxnet.netns.service_netns:
    unit: openvpn-client@work.service
    netns: vpn
    requires: [netns@vpn.service]
    unit_dir: /mnt/image/etc/systemd/system

- name: Back to the host's namespace
  linuxnet.netns.service_netns:
    unit: web.service
    state: absent
'''

RETURN = r'''
unit:
  description: The unit.
  returned: always
  type: str
  sample: web.service
netns:
  description: The namespace the unit runs in (V(null) with O(state=absent) when not given).
  returned: always
  type: str
  sample: app
path:
  description: The drop-in file.
  returned: always
  type: str
  sample: /etc/systemd/system/web.service.d/linuxnet-netns.conf
state:
  description: Whether the drop-in is there after the run (or, in check mode, would be).
  returned: always
  type: str
  sample: present
content:
  description: The drop-in's text after the run, V(null) when there is none.
  returned: always
  type: str
  sample: "[Service]\nNetworkNamespacePath=/run/netns/app\n"
etc_binds:
  description: The entries of C(/etc/netns/NAME/) the drop-in binds over C(/etc).
  returned: always
  type: list
  elements: str
  sample: [resolv.conf]
requires:
  description: The units the drop-in orders the unit after and requires.
  returned: always
  type: list
  elements: str
  sample: [linuxnet-netns-lab.service]
systemd:
  description: What the module found of systemd.
  returned: always
  type: dict
  contains:
    running:
      description: Whether systemd runs on the target (C(/run/systemd/system) exists).
      type: bool
    version:
      description: Its version (the running one, else that of the installed C(systemctl)), V(null) if none.
      type: int
    reads_unit_dir:
      description: Whether the running systemd reads O(unit_dir). Only then is it reloaded and the unit restarted.
      type: bool
  sample: {"running": true, "version": 252, "reads_unit_dir": true}
active_state:
  description: The unit's C(ActiveState) after the run.
  returned: when systemd runs and reads O(unit_dir)
  type: str
  sample: active
main_pid:
  description: The unit's main process after the run, 0 if it has none.
  returned: when systemd runs and reads O(unit_dir)
  type: int
  sample: 4242
in_netns:
  description: Whether the main process is inside O(netns); V(null) when that cannot be told (no main process).
  returned: always
  type: bool
  sample: true
reloaded:
  description: Whether systemd was (or, in check mode, would be) reloaded.
  returned: always
  type: bool
restarted:
  description: Whether the unit was (or, in check mode, would be) restarted.
  returned: always
  type: bool
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["write /etc/systemd/system/web.service.d/linuxnet-netns.conf", "reload systemd (daemon-reload)",
           "restart web.service (to run it inside netns app)"]
failed_object:
  description: On a failure while writing or telling systemd, the object it concerns.
  returned: failure
  type: str
  sample: service_netns/web.service
applied:
  description: On a failure, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: ["write /etc/systemd/system/web.service.d/linuxnet-netns.conf"]
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import SERVICE_NETNS
from ansible_collections.linuxnet.netns.plugins.module_utils._service import run_module


def main():
    run_module(SERVICE_NETNS)


if __name__ == '__main__':
    main()
