# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors of the shared core and the errno -> message mapping.

Private to this collection: may change without notice.
"""

import errno as errnos
import os


class NetnsError(Exception):
    """A failure the module reports to the user as-is (fail_json msg).

    param and value name the user's option and what they gave, when the failure is about one; errno is the
    kernel's error code, when the failure is a refused system call or netlink request.
    """

    def __init__(self, msg, param=None, value=None, errno=None):
        super(NetnsError, self).__init__(msg)
        self.msg = msg
        self.param = param
        self.value = value
        self.errno = errno

    def has_errno(self, *codes):
        return self.errno in codes


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
    errnos.EEXIST: "it already exists (or conflicts with an existing object)",
    errnos.ENOENT: "a referenced object does not exist",
    errnos.ESRCH: "no such object (for routes: no matching route; for processes: no such pid)",
    errnos.ENODEV: "no such network device",
    errnos.EADDRNOTAVAIL: "the address is not assigned to that device",
    errnos.EPERM: "operation not permitted (root, or CAP_NET_ADMIN and CAP_SYS_ADMIN, is required)",
    errnos.EACCES: "permission denied",
    errnos.EBUSY: "the object is busy",
    errnos.EINVAL: "the kernel rejected the request as invalid",
    errnos.ENETUNREACH: "the gateway is not reachable from any connected subnet",
    errnos.EOPNOTSUPP: "not supported by this kernel",
    errnos.ERANGE: "a value is out of the range the kernel accepts",
}


def errno_message(code, what):
    """Return '<what> failed: <meaning> [errno NAME]' for an errno code."""
    code = abs(int(code))
    meaning = ERRNO_MEANING.get(code) or os.strerror(code)
    name = errnos.errorcode.get(code, str(code))
    return "%s failed: %s [%s]" % (what, meaning, name)


def from_os_error(exc, what):
    """A NetnsError for an OSError of a file or system call: '<what>: <strerror> [NAME]', errno kept."""
    code = getattr(exc, 'errno', None)
    detail = exc.strerror or str(exc)
    if code is not None:
        detail = '%s [%s]' % (detail, errnos.errorcode.get(code, code))
    if getattr(exc, 'filename', None):
        detail = '%s: %s' % (exc.filename, detail)
    return NetnsError('%s: %s' % (what, detail), errno=code)
