"""The ZStack model's sessions (LogInByAccount, LogOut) and the results of async API calls (API jobs)."""

from __future__ import annotations

from typing import Any, Mapping

from ..common.model import drop_expired, expire_all
from .base import ADMIN_ACCOUNT_UUID, Context, ZStackStore, format_date

#: an API job's result is kept this long after its last poll (the document: 2 days)
JOB_TTL_SECONDS = 2 * 24 * 3600


class SessionStore(ZStackStore):
    """The sessions of the one account, by uuid; each expires `session_timeout` seconds after its login."""

    persisted = ("sessions",)

    def __init__(self, context: Context):
        super().__init__(context)
        self.sessions: dict[str, dict[str, Any]] = {}

    def login(self, account_name: str, password_sha512: str) -> dict[str, Any] | None:
        """A new session's inventory, or None when the credentials are wrong."""
        settings = self.context.settings
        if account_name != settings.username or password_sha512.lower() != settings.password_sha512:
            return None
        now = self.now()
        drop_expired(self.sessions, "expiresAt", now)
        session: dict[str, Any] = {"uuid": self.context.new_uuid(), "accountUuid": ADMIN_ACCOUNT_UUID,
                   "userUuid": ADMIN_ACCOUNT_UUID, "createdAt": now, "expiresAt": now + settings.session_timeout}
        self.sessions[session["uuid"]] = session
        return session_inventory(session)

    def session_valid(self, uuid: str) -> bool:
        """Whether a session exists and has not expired (an expired one is dropped)."""
        session = self.sessions.get(uuid)
        if session is None:
            return False
        if self.now() >= session["expiresAt"]:
            del self.sessions[uuid]
            return False
        return True

    def logout(self, uuid: str) -> None:
        """End a session; ending an unknown one is not an error."""
        self.sessions.pop(uuid, None)

    def expire_sessions(self) -> None:
        """Make every session expire now."""
        expire_all(self.sessions, "expiresAt", self.now())


class ApiJobStore(ZStackStore):
    """The results of async API calls by job uuid, revealed `job_delay` seconds after the call."""

    persisted = ("jobs",)

    def __init__(self, context: Context):
        super().__init__(context)
        self.jobs: dict[str, dict[str, Any]] = {}

    def record_job(self, uuid: str, api: str, success: bool, body: dict[str, Any],
                   webhook: str | None = None) -> dict[str, Any]:
        """Store the result of an async API; it becomes visible `job_delay` seconds later."""
        for known in list(self.jobs):
            self.find_job(known)  # drops the expired ones
        now = self.now()
        ready_at = now + self.context.settings.job_delay
        job = {"uuid": uuid, "api": api, "createdAt": now, "readyAt": ready_at, "accessedAt": ready_at,
               "success": success, "body": body, "webhook": webhook}
        self.jobs[uuid] = job
        return job

    def find_job(self, uuid: str) -> dict[str, Any] | None:
        """A job that has not expired, without counting this as an access."""
        job = self.jobs.get(uuid)
        if job is None:
            return None
        if self.now() - max(job["readyAt"], job["accessedAt"]) > JOB_TTL_SECONDS:
            del self.jobs[uuid]
            return None
        return job

    def poll_job(self, uuid: str) -> dict[str, Any] | None:
        """A job for a poll: expiry counts from the last poll, as the document says (2 days)."""
        job = self.find_job(uuid)
        if job is not None:
            job["accessedAt"] = max(job["accessedAt"], self.now())
        return job

    def job_ready(self, job: Mapping[str, Any]) -> bool:
        """Whether a job's result may be revealed yet."""
        return self.now() >= job["readyAt"]


def session_inventory(session: Mapping[str, Any]) -> dict[str, Any]:
    """The login answer's inventory."""
    return {"uuid": session["uuid"], "accountUuid": session["accountUuid"], "userUuid": session["userUuid"],
            "expiredDate": format_date(session["expiresAt"]), "createDate": format_date(session["createdAt"])}
