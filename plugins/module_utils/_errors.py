# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors of the shared core and the errno -> message mapping.

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno


class NetnsError(Exception):
    """A failure the module reports to the user as-is (fail_json msg)."""

    def __init__(self, msg, param=None, value=None):
        super(NetnsError, self).__init__(msg)
        self.msg = msg
        self.param = param
        self.value = value


class NamespaceGone(NetnsError):
    """A namespace that was there a moment ago is not (deleted concurrently, or by hand)."""


class ParameterError(NetnsError):
    """Bad input, detected before anything was changed."""

    def __init__(self, param, value, reason):
        msg = "%s: %s (got %r)" % (param, reason, value)
        super(ParameterError, self).__init__(msg, param=param, value=value)
        self.reason = reason


# What each errno means for the operations of this collection. The text
# completes the sentence "<what> failed: ...".
ERRNO_MEANING = {
    errno.EEXIST: "it already exists (or conflicts with an existing object)",
    errno.ENOENT: "a referenced object does not exist",
    errno.ESRCH: "no such object (for routes: no matching route; for processes: no such pid)",
    errno.ENODEV: "no such network device",
    errno.EADDRNOTAVAIL: "the address is not assigned to that device",
    errno.EPERM: "operation not permitted (root, or CAP_NET_ADMIN and CAP_SYS_ADMIN, is required)",
    errno.EACCES: "permission denied",
    errno.EBUSY: "the object is busy",
    errno.EINVAL: "the kernel rejected the request as invalid",
    errno.ENETUNREACH: "the gateway is not reachable from any connected subnet",
    errno.EOPNOTSUPP: "not supported by this kernel",
    errno.ERANGE: "a value is out of the range the kernel accepts",
}


def errno_message(code, what):
    """Return '<what> failed: <meaning> [errno NAME]' for an errno code."""
    code = abs(int(code))
    meaning = ERRNO_MEANING.get(code)
    name = errno.errorcode.get(code, str(code))
    if meaning is None:
        import os
        meaning = os.strerror(code)
    return "%s failed: %s [%s]" % (what, meaning, name)
