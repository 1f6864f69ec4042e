# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identical reads sent once while a plan reads the platforms.

Several kinds read the same list to plan: OpenDCP's services and clusters both page through
`/cluster/list`, its actions and their implementations both read `/action/list`. While a `ReadMemo` is
open on an endpoint's session (`HttpSession.remembering()`), a read identical to one already answered
(method, path, query, body and headers alike, so a renewed token or session is another read) gets that
answer, and one sent by another thread at the same moment is waited for rather than sent again. Only the
answers the session says to keep (below HTTP 400, and whole) are shared: a failed read is sent again by
whoever asks next. The memo lives as long as one plan's reads: writes never go through it, and an apply
reads afresh.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading


class _Slot:
    """One read's answer, or the promise of it while its first sender waits for the platform."""

    def __init__(self):
        self.done = threading.Event()
        self.response = None


class ReadMemo:
    """Answers of identical reads, shared by every thread of one plan."""

    def __init__(self):
        self._slots = {}
        self._lock = threading.Lock()
        #: reads answered from the memo instead of the platform
        self.saved = 0

    def answer(self, key, send, keep):
        """The response to the read `key`: sent with `send()` by the first caller, shared with the others while
        `keep(response)` holds (a failed answer is the first caller's alone)."""
        with self._lock:
            slot = self._slots.get(key)
            first = slot is None
            if first:
                slot = self._slots[key] = _Slot()
        if not first:
            slot.done.wait()
            if slot.response is not None:
                with self._lock:
                    self.saved += 1
                return slot.response
            return send()
        response = None
        try:
            response = send()
        finally:
            if response is not None and keep(response):
                slot.response = response
            else:
                with self._lock:
                    self._slots.pop(key, None)
            slot.done.set()
        return response


def read_key(method, path, params, body, headers):
    """A hashable key that differs whenever anything the platform sees of a read differs."""
    return (method, path, _canonical(params), _canonical(body), _canonical(headers))


def _canonical(value):
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str)
