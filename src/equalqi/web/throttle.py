"""Throttling of wrong passwords, per account and per client, with the ``limits`` library
(a moving window in memory: each server process counts its own attempts).

Only failures count. The account key is the e-mail address as typed (lower-cased), so an
unknown address is throttled exactly like a known one and the answer never tells them
apart. A blocked attempt is refused before the password is checked.
"""

from __future__ import annotations

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

#: Wrong passwords allowed per account, and per client address, in the window.
PER_ACCOUNT = "5/15 minutes"
PER_CLIENT = "50/15 minutes"
BLOCKED_MESSAGE = (
    "Too many wrong attempts. Wait 15 minutes and try again, or ask an admin of your "
    "organisation to reset your password."
)


class SignInThrottle:
    def __init__(self, per_account: str = PER_ACCOUNT, per_client: str = PER_CLIENT) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._account: RateLimitItem = parse(per_account)
        self._client: RateLimitItem = parse(per_client)

    @staticmethod
    def _key(email: str) -> str:
        return email.strip().lower()

    def blocked(self, email: str, client: str) -> bool:
        """True when this account or this client has used up its wrong attempts."""
        return not (
            self._limiter.test(self._account, "account", self._key(email))
            and self._limiter.test(self._client, "client", client)
        )

    def failed(self, email: str, client: str) -> None:
        self._limiter.hit(self._account, "account", self._key(email))
        self._limiter.hit(self._client, "client", client)

    def succeeded(self, email: str) -> None:
        """A correct password clears the account's count (not the client's)."""
        self._limiter.clear(self._account, "account", self._key(email))
