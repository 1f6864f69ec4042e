# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing a file the one way: a new file made beside it, then renamed over it.

A fixed temporary name (`state.json.tmp`) or an open with O_TRUNC follows a symlink another local user
planted there, and writes through it; `mkstemp` makes a file of a fresh name, readable by its owner alone,
and `os.replace` swaps it in at once, so a reader never sees half a file either.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile


def write_atomically(path, text, mode=0o600):
    """Write `text` (str) to `path` through a new file in the same directory, with permission `mode`."""
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
