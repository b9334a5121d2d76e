"""Links to a job's progress that only the shop which started the job can read.

Job ids are predictable (they name a product or a shop), so the link carries the id signed
together with the shop's id instead of the bare id.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from app.web import settings

_SALT = "adorn-job-progress"


def job_token(shop_id: int, job_id: str) -> str:
    """An opaque token naming `job_id` for `shop_id`, for /jobs/<token>."""
    return str(_serializer().dumps([shop_id, job_id]))


def job_id_for(shop_id: int, token: str) -> str | None:
    """The job id in `token` if it was issued to `shop_id`; None otherwise."""
    try:
        owner, job_id = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    return str(job_id) if owner == shop_id else None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(settings().secret_key, salt=_SALT)
