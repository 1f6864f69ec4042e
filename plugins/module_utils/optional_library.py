# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A third-party library the collection's code imports without failing when it is missing.

A module_utils file must import without its third-party libraries (ansible-test's import check): the
module then fails with `missing_required_lib(library.name)` and the import's traceback (module.py),
and code that needs the library raises ImportError naming it (`library.required()`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import traceback


class OptionalLibrary:
    """The library `name`, imported once: `module` is it, or None with `error` the traceback of the failed import."""

    def __init__(self, name):
        self.name = name
        try:
            self.module = importlib.import_module(name)
            self.error = None
        except ImportError:
            self.module = None
            self.error = traceback.format_exc()

    @property
    def available(self):
        """Whether the library imported."""
        return self.module is not None

    def required(self):
        """The library's module; ImportError naming it, with the failed import's traceback, when it is missing."""
        if self.module is None:
            raise ImportError("the Python library '%s' is required: %s" % (self.name, self.error))
        return self.module
