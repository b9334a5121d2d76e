"""Errors from talking to the platforms. Messages are one sentence that says what happened."""


class StoreError(Exception):
    """A platform call failed in a way a retry will not fix (bad request, not found, refused)."""


class AuthError(StoreError):
    """Authentication failed: bad HMAC or state, expired or revoked token, foreign shop."""


class RateLimitedError(StoreError):
    """The platform kept throttling after the client's retries; retry the job later."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TransientError(StoreError):
    """A 5xx or network failure that outlasted the client's retries; retry the job later."""
