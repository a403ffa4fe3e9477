"""The course secret, from which each student's hidden grading variant is derived.

The grader re-runs every submission under a second, *hidden* variant of its
parameters (see :func:`vetora_nb.exercises.variant`). Its key is an HMAC of
the student's id and the course seed under a secret only the instructor
holds, so no student can compute it, and a regrade with the same secret
uses the same hidden parameters. The secret is read from
``VETORA_COURSE_SECRET`` if set, else from a file (``.course_secret`` in the
folder grading starts from, by default), which is created on first use.
Keep it; never hand it out. The kernels never see it, only the key it gives
for the student being graded.

>>> hidden_key(b"s3cret", "ada", 0) == hidden_key(b"s3cret", "ada", 0) != hidden_key(b"s3cret", "ben", 0)
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["DEFAULT_SECRET_FILE", "load_secret", "hidden_key"]

DEFAULT_SECRET_FILE = Path(".course_secret")


def load_secret(path: Path | str | None = None, *, create: bool = True) -> tuple[bytes, str | None]:
    """``(secret, note)``: ``note`` says where a new secret was written, else None."""
    from_env = os.environ.get("VETORA_COURSE_SECRET")
    if from_env:
        return from_env.encode(), None
    path = Path(path) if path is not None else DEFAULT_SECRET_FILE
    if path.is_file():
        value = path.read_bytes().strip()
        if not value:
            raise ValueError(f"secret: {path} is empty")
        return value, None
    if not create:
        raise FileNotFoundError(f"secret: no course secret at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(value + b"\n")
    return value, (f"created a course secret in {path}: keep it to grade the same way again, "
                   "and never hand it out")


def hidden_key(secret: bytes, student: str, course_seed: int) -> str:
    """The key of ``student``'s hidden variant (what the grading kernel gets, not the secret)."""
    return hmac.new(secret, f"{course_seed}:{student}".encode(), hashlib.sha256).hexdigest()[:32]
