# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A deadline for one whole HTTP call: connecting, sending, and every byte of the answer, headers included.

A socket's timeout bounds each wait for the next bytes, so a server that sends one byte a second holds a
call for as long as it likes. Here the HTTP layer opens a `CallDeadline` around each send; the connections
of `DeadlineAdapter` hand the socket they read the answer from to the deadline of the calling thread, and
one watchdog thread shuts that socket down when the deadline passes. The read in progress then ends at
once (no more bytes, or an error), and the HTTP layer reports a timeout of the whole call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import itertools
import socket
import threading
import time

try:
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.poolmanager import pool_classes_by_scheme as DEFAULT_POOLS
except ImportError:  # pragma: no cover - the HTTP layer reports the missing library
    HTTPAdapter = object
    HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = DEFAULT_POOLS = None

_CALLS = threading.local()


class CallDeadline:
    """When one call must be over; the sockets it reads from are shut down when that moment passes."""

    def __init__(self, seconds):
        self.seconds = float(seconds)
        self.expires = time.monotonic() + self.seconds
        #: the watchdog shut the call's sockets: whatever the call read afterwards is not a whole answer
        self.expired = False
        self.ended = False
        self._sockets = []
        self._lock = threading.Lock()

    def remaining(self):
        """Seconds left, never below zero."""
        return max(0.0, self.expires - time.monotonic())

    def passed(self):
        """Whether the call's time is up."""
        return self.expired or time.monotonic() >= self.expires

    def watch(self, sock):
        """Shut `sock` down when the deadline passes (at once if it has)."""
        with self._lock:
            if self.ended:
                return
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self):
        """The deadline passed: shut every socket of the call, unless the call is over (its connection may
        already serve another call)."""
        with self._lock:
            if self.ended:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def end(self):
        """The call is over: its sockets are no longer its own."""
        with self._lock:
            self.ended = True
            self._sockets = []

    def __enter__(self):
        _CALLS.deadline = self
        WATCHDOG.add(self)
        return self

    def __exit__(self, *exc):
        _CALLS.deadline = None
        self.end()


def _shut(sock):
    """Shut a socket down for reading and writing; a read blocked on it in another thread ends at once."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError):
        pass  # already closed, or not a socket of this process: nothing left to stop


def _watch_current(sock):
    """Hand `sock` to the deadline of the calling thread's call, if one is open."""
    deadline = getattr(_CALLS, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class Watchdog:
    """One daemon thread that expires each open deadline when its moment comes."""

    def __init__(self):
        self._heap = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread = None

    def add(self, deadline):
        """Expire `deadline` when it passes, unless it has ended by then."""
        with self._wake:
            heapq.heappush(self._heap, (deadline.expires, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="converge-call-deadlines")
                self._thread.daemon = True
                self._thread.start()
            self._wake.notify()

    def _run(self):
        with self._wake:
            while True:
                while self._heap and self._heap[0][2].ended:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)[2].expire()


WATCHDOG = Watchdog()

if HTTPConnection is not None:

    class _WatchedHTTPConnection(HTTPConnection):
        """An HTTP connection whose socket the calling thread's deadline watches while the answer comes."""

        def getresponse(self, *args, **kwargs):
            _watch_current(self.sock)
            return super(_WatchedHTTPConnection, self).getresponse(*args, **kwargs)

    class _WatchedHTTPSConnection(HTTPSConnection):
        """An HTTPS connection whose socket the calling thread's deadline watches while the answer comes."""

        def getresponse(self, *args, **kwargs):
            _watch_current(self.sock)
            return super(_WatchedHTTPSConnection, self).getresponse(*args, **kwargs)

    class _WatchedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = _WatchedHTTPConnection

    class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = _WatchedHTTPSConnection

    WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections put their sockets under the calling thread's `CallDeadline`."""

    def init_poolmanager(self, *args, **kwargs):
        super(DeadlineAdapter, self).init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super(DeadlineAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
        if getattr(manager, "pool_classes_by_scheme", None) == DEFAULT_POOLS:  # not a SOCKS proxy's own pools
            manager.pool_classes_by_scheme = WATCHED_POOLS
        return manager
