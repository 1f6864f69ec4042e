"""The account and its tokens: Login, ReAuth, Logout, ChangePassword, and the token check of every call."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from ...common.model import drop_expired, expire_all
from .base import AuthFailure, MigrationFailure, StateBase


def check_new_password(password: Any) -> str:
    """6-20 characters with at least two of: letters, digits, other symbols."""
    if not isinstance(password, str) or not 6 <= len(password) <= 20:
        raise MigrationFailure("NewPassword must be 6-20 characters.")
    kinds = [any(c.isalpha() for c in password), any(c.isdigit() for c in password),
             any(not c.isalnum() for c in password)]
    if sum(kinds) < 2:
        raise MigrationFailure("NewPassword must contain at least two of: letters, digits, symbols.")
    return password


class AccountMixin(StateBase):
    """The one account, its password and the tokens it logged in with."""

    def login(self, username: Any, password: Any) -> dict[str, Any]:
        """A new token, or a failure for wrong credentials."""
        if username != self.account["UserName"] or password != self.account["Password"]:
            raise MigrationFailure("UserName or Password is wrong.")
        return {"Token": self._new_token(), "IsFirstLogin": not self.account["Changed"]}

    def _new_token(self) -> str:
        drop_expired(self.tokens, "ExpiresAt", self.now())
        token = uuid_module.UUID(self.new_uuid()).hex
        self.tokens[token] = {"UserName": self.account["UserName"],
                              "ExpiresAt": self.now() + self.settings.token_seconds}
        return token

    def check_token(self, token: str | None) -> None:
        """Raise AuthFailure unless the token exists and has not expired."""
        record = self.tokens.get(token or "")
        if record is None or self.now() >= record["ExpiresAt"]:
            self.tokens.pop(token or "", None)
            raise AuthFailure("Token is invalid or expired, please login again.")

    def reauth(self, token: str) -> dict[str, Any]:
        """A new token with a fresh lifetime; the old one stays valid until it expires (see the readings)."""
        self.check_token(token)
        return {"Token": self._new_token(), "IsFirstLogin": not self.account["Changed"]}

    def logout(self, token: str) -> None:
        """End the token the call was made with; other tokens stay valid."""
        self.tokens.pop(token, None)

    def expire_tokens(self) -> None:
        """Test hook: every token expires now."""
        expire_all(self.tokens, "ExpiresAt", self.now())

    def change_password(self, username: Any, password: Any, new_password: Any) -> None:
        """ChangePassword: the account's name and current password, and a strong new one."""
        if username != self.account["UserName"]:
            raise MigrationFailure(f"User {username!r} does not exist.")
        if password != self.account["Password"]:
            raise MigrationFailure("Password is wrong.")
        self.account["Password"] = check_new_password(new_password)
        self.account["Changed"] = True
