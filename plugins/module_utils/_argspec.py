# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs of every module, in one place so the topology module validates its
items with exactly the options of the single-object modules.

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

STATE = dict(type='str', default='present', choices=['present', 'absent'])

NETNS = dict(
    name=dict(type='str', required=True),
    state=STATE,
    nsid=dict(type='int'),
    sysctls=dict(type='dict'),
    etc_files=dict(type='dict'),
)
