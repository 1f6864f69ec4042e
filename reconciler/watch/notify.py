"""`reconciler watch --notify URL`: each event of the watch (events.py) POSTed as JSON to every URL.

    notifier = Notifier(["https://hooks.example.test/converge"], watcher_redaction, log=click.echo)
    Watcher(source, options, sinks=(notifier,), redaction=watcher_redaction).run()
    notifier.close(timeout=30)     # at the end of the watch: what is queued is sent, within the time given

`emit` only queues the event: a daemon thread sends it, so a receiver that is slow or down never holds the
loop back. The queue is bounded (MAX_QUEUED): when it is full the oldest event is dropped, the log says so,
and the next event sent carries `dropped`, the count of events lost before it.

Each POST goes through the project's one HTTP layer (module_utils/http.py): its timeout, its bounds and its
one retry policy. An event carries an `id`, sent as `Idempotency-Key` as well, so a receiver can tell a
resent event from a new one: the POST is a keyed write, resent on a lost answer (a connection error, a
timeout, 429/502/503/504). A receiver that still fails is logged, a line per event, and the watch goes on.

Secrets: every document passes through the watch's latest run's redaction (the cycle already redacted its
changes; this is the second guard), and a URL's own password (`https://user:password@host/...`, sent as
HTTP basic authentication) is masked wherever the URL is shown.
"""

from __future__ import annotations

import base64
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import unquote, urlsplit

from ansible_collections.converge.platforms.plugins.module_utils.http import (
    KEYED_WRITE,
    ApiError,
    HttpSession,
    Redactor,
    redact_url,
)
from ansible_collections.converge.platforms.plugins.module_utils.retry import RetryPolicy

from ..api import redacted

#: the version of the documents posted (a field of each)
FORMAT_VERSION = 1
#: events waiting to be sent, at most; beyond it the oldest is dropped
MAX_QUEUED = 1000
#: seconds one POST may take, all of it (each send under the retry policy)
TIMEOUT = 10.0
LOGGER = logging.getLogger(__name__)


@dataclass
class Receiver:
    """One `--notify` URL: where its POSTs go, how it is shown, and its session."""

    shown: str
    path: str
    headers: dict[str, str]
    session: HttpSession


def receiver_of(url: str, redactor: Redactor, timeout: float = TIMEOUT, policy: Optional[RetryPolicy] = None
                ) -> Receiver:
    """The receiver of a `--notify` URL; ValueError naming the URL (its password masked) when it is not an
    http:// or https:// URL with a host. Credentials in it are sent as basic authentication, the password
    remembered by `redactor`."""
    parts = urlsplit(url)
    shown = redact_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--notify: {shown!r} is not an http:// or https:// URL with a host")
    headers = {"Content-Type": "application/json"}
    if parts.username is not None or parts.password is not None:
        user, password = unquote(parts.username or ""), unquote(parts.password or "")
        redactor.add(password)
        redactor.add(parts.password)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        redactor.add(token)
        headers["Authorization"] = f"Basic {token}"
    base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    session = HttpSession(base, platform=f"the receiver {shown}", timeout=timeout, redactor=redactor,
                          policy=policy, user_agent="converge-watch")
    return Receiver(shown, path, headers, session)


class Notifier:
    """An EventSink (watch/loop.py) that POSTs each event to every URL from a thread of its own."""

    def __init__(self, urls: list[str], redact: Callable[[str], str], log: Callable[[str], None] = LOGGER.warning,
                 max_queued: int = MAX_QUEUED, timeout: float = TIMEOUT, policy: Optional[RetryPolicy] = None) -> None:
        self._own = Redactor()
        self.redact = redact
        self.log = log
        #: one session per URL, each with the one retry policy (RetryPolicy() unless one is given)
        self.receivers = [receiver_of(url, self._own, timeout, policy) for url in urls]
        self.max_queued = max_queued
        self.sent = 0
        self.failed = 0
        self._queue: deque[dict[str, Any]] = deque()
        self._dropped = 0
        self._busy = False
        self._closing = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="converge-notify", daemon=True)
        self._thread.start()

    def emit(self, event: dict[str, Any]) -> None:
        """Queue an event for every URL and return at once (the oldest waiting one dropped when the queue is full)."""
        with self._ready:
            if len(self._queue) >= self.max_queued:
                lost = self._queue.popleft()
                self._dropped += 1
                self.log(f"notify: the queue is full ({self.max_queued} events): the {lost['event']} event of cycle "
                         f"{lost['cycle']} is dropped")
            self._queue.append(dict(event))
            self._ready.notify_all()

    def close(self, timeout: float) -> int:
        """Send what is queued, waiting `timeout` seconds at most, and stop; how many events were left unsent."""
        with self._ready:
            self._closing = True
            self._ready.notify_all()
            self._ready.wait_for(lambda: not self._queue and not self._busy, timeout=timeout)
            left = len(self._queue) + (1 if self._busy else 0)
            self._queue.clear()  # the thread ends after the event in flight, if any
        if left:
            self.log(f"notify: {left} event{'s' if left != 1 else ''} not sent: the watch ended")
        else:
            for receiver in self.receivers:
                receiver.session.close()
        return left

    def _work(self) -> None:
        while True:
            with self._ready:
                self._busy = False
                self._ready.notify_all()
                self._ready.wait_for(lambda: self._queue or self._closing)
                if not self._queue:
                    return
                event, dropped = self._queue.popleft(), self._dropped
                self._dropped, self._busy = 0, True
            try:
                document = self.document(event, dropped)
                for receiver in self.receivers:
                    self._send(receiver, document)
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any one event; the loop never sees it
                self.log(self._redacted(f"notify: the {event['event']} event of cycle {event['cycle']} was not "
                                        f"sent: {exc.__class__.__name__}: {exc}"))

    def document(self, event: dict[str, Any], dropped: int = 0) -> dict[str, Any]:
        """What is posted for an event: it with `format_version`, an `id`, the count of events dropped before
        it (when some were), every text through the run's redaction and the URLs' passwords masked."""
        document = dict(event, format_version=FORMAT_VERSION, id=uuid.uuid4().hex)
        if dropped:
            document["dropped"] = dropped
        return redacted(document, self._redacted)

    def _send(self, receiver: Receiver, document: dict[str, Any]) -> None:
        """POST a document to one receiver (resent by the retry policy); a line in the log when it fails."""
        headers = dict(receiver.headers, **{"Idempotency-Key": document["id"]})
        what = f"notify: the {document['event']} event of cycle {document['cycle']} to {receiver.shown}"
        try:
            response = receiver.session.request("POST", receiver.path, json=document, headers=headers,
                                                operation=KEYED_WRITE)
        except ApiError as exc:
            self.failed += 1
            self.log(self._redacted(f"{what} was not sent: {exc}"))
            return
        if response.status_code >= 300:
            self.failed += 1
            self.log(self._redacted(f"{what} was refused: HTTP {response.status_code}"))
            return
        self.sent += 1

    def _redacted(self, text: str) -> str:
        return self._own(self.redact(text))


def notifier_of(urls: list[str], redact: Callable[[str], str], log: Callable[[str], None]) -> Optional[Notifier]:
    """The notifier of `--notify` URLs (None without any); ValueError naming a URL that is not http(s)."""
    return Notifier(urls, redact, log) if urls else None
