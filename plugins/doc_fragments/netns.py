# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this doc fragment is PRIVATE to the collection: it may change at any time.


class ModuleDocFragment(object):

    # Attributes and requirements shared by every module that changes the kernel.
    DOCUMENTATION = r'''
options: {}
requirements:
  - Linux with network namespaces, run as root (C(CAP_SYS_ADMIN) and C(CAP_NET_ADMIN)).
  - pyroute2 >= 0.9.1 for the Python interpreter Ansible uses on the target.
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    platforms: posix
    support: full
    details: Linux only; tested on Debian 12 with kernel 6.x.
  action_group:
    description: Use C(group/linuxnet.netns.netns) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - linuxnet.netns.netns
'''

    # Read-only modules (netns_info). List it BEFORE linuxnet.netns.netns in extends_documentation_fragment:
    # when two fragments define the same attribute, the one listed first wins.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: N/A
    details:
      - This action does not modify state.
'''

    # The netns option of every module whose object lives inside a namespace.
    NETNS_OPTION = r'''
options:
  netns:
    description:
      - Name of the network namespace (under C(/run/netns)) the object lives in.
      - Omitted, or an empty string, means the namespace the module runs in (normally the host's).
      - The namespace must exist; this module never creates one implicitly. Use M(linuxnet.netns.netns) first.
    type: str
'''
