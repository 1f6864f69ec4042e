# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one waiter of converge: poll a read until the object is done, has failed, or time is up.

Every long operation (a ZStack job, a VSD memory snapshot, an OSG view group being built, an OpenDCP
flow, a migration task's copy) waits through `wait_until`. Polls come every 50 ms at first, then every
tenth of the time waited so far, at most once a second: an object done after t seconds is seen within
max(50 ms, t / 10) of it (a 5 s job within 0.5 s, in about 33 reads), and a wait of hours costs a read
a second. The clock is injectable, so tests step time instead of sleeping.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.retry import SYSTEM_CLOCK

FIRST_POLL_DELAY = 0.05
#: the shortest delay between two reads, and the share of the time waited so far that a delay grows to
MIN_POLL_DELAY = 0.05
POLL_FRACTION = 0.1
MAX_POLL_DELAY = 1.0


class WaitTimeout(Exception):
    """The object did not get done in time; `last` holds the last value read."""

    def __init__(self, message, last=None, waited=0.0):
        self.last = last
        self.waited = waited
        super(WaitTimeout, self).__init__(message)


class WaitFailed(Exception):
    """The object reached a state it will not leave for the better (a job failed, a VM in error)."""

    def __init__(self, message, last=None):
        self.last = last
        super(WaitFailed, self).__init__(message)


def poll_delay(waited, cap=MAX_POLL_DELAY):
    """The delay before the next read, after `waited` seconds: a tenth of it, from 50 ms up to `cap`."""
    return min(cap, max(MIN_POLL_DELAY, waited * POLL_FRACTION))


def wait_until(read, done, timeout, failed=None, clock=None, first_delay=FIRST_POLL_DELAY,
               max_delay=MAX_POLL_DELAY, initial=None, describe="the object"):
    """Poll `read()` until `done(value)`; return that value.

    The first read comes after `first_delay` (0 where the object is usually done by the time it is
    asked for, as a ZStack job whose 202 just arrived), the next ones after `poll_delay`.

    `failed(value)` may raise its own error, or return a message (raised as WaitFailed), to stop at once. With
    `initial`, that value is checked before the first read. Raises WaitTimeout with the last value
    when `timeout` seconds pass first.
    """
    clock = clock or SYSTEM_CLOCK
    started = clock.monotonic()
    value = initial
    if initial is not None and _settled(initial, done, failed):
        return initial
    delay = first_delay
    while True:
        waited = clock.monotonic() - started
        if waited + delay > timeout:
            raise WaitTimeout("%s was not done after %ss" % (describe, _seconds(timeout)), value, waited)
        clock.sleep(delay)
        value = read()
        if _settled(value, done, failed):
            return value
        delay = poll_delay(clock.monotonic() - started, max_delay)


def _settled(value, done, failed):
    if failed is not None:
        message = failed(value)
        if message:
            raise WaitFailed(message, value)
    return bool(done(value))


def _seconds(value):
    return int(value) if float(value).is_integer() else value
