# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArgumentSpecValidator's messages in one wording on every ansible-core the collection supports.

ansible-core 2.19 names a value's type by its name (`is of type str`) and quotes the value it could
not make an int of (`"'big'" cannot be converted to an int`); earlier versions print the class
(`is of type <class 'str'>`, `<class 'str'> cannot be converted to an int`). `same_wording` turns
the earlier form into the 2.19 one, so the one validator reports a bad option the same way whichever
ansible-core runs it; a message already in the 2.19 form is returned as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.validation import check_type_int

_TYPE_CLASS = re.compile(r"\bis of type <class '(?:[\w.]*\.)?(\w+)'>")
_INT_CLASS = re.compile(r"<class '[\w.]+'> cannot be converted to an int$")


def same_wording(message, value=None, known=False):
    """`message` in ansible-core 2.19's wording.

    `value` is what was given for the option the message is about (`known` says whether it is
    known): the value an int could not be made of is quoted from it, or, for a message about the
    elements of a list, from its first item that is no int. Without it the int part stays as it is.
    """
    message = _TYPE_CLASS.sub(r"is of type \1", message)
    if known and _INT_CLASS.search(message):
        bad = _first_not_int(value, message.startswith("Elements value"))
        if bad is not None:
            quoted = '"%r" cannot be converted to an int' % (bad[0],)
            message = _INT_CLASS.sub(lambda match: quoted, message)
    return message


def _first_not_int(value, elements):
    """(item,) for the first item of `value` (with `elements`, else `value` itself) that is no int, or None."""
    for item in value if elements and isinstance(value, list) else [value]:
        try:
            check_type_int(item)
        except TypeError:
            return (item,)
    return None
