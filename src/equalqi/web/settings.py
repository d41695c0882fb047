"""Settings of the web app: where the registry lives, the session secret and the limits."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from equalqi.registry.db import default_data_dir, default_url

DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024


def secret_key(data_dir: Path) -> str:
    """``$EQUALQI_SECRET_KEY``, or a random key made on first run and kept in the data folder
    (readable by the owner only); never a committed value."""
    env = os.environ.get("EQUALQI_SECRET_KEY")
    if env:
        return env
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    secure_cookies: bool = False  # set True behind HTTPS
    session_max_age: int = 8 * 60 * 60  # absolute timeout of a session, seconds
    session_idle_seconds: int = 30 * 60  # idle timeout (EQUALQI_SESSION_IDLE_MINUTES)
    job_workers: int = 2  # worker processes running analyses (EQUALQI_JOB_WORKERS)
    board_pack: bool = True  # write the board pack with each analysis (EQUALQI_BOARD_PACK=0: off)

    @classmethod
    def from_env(
        cls,
        *,
        data_dir: Path | None = None,
        database_url: str | None = None,
        max_upload_bytes: int | None = None,
    ) -> Settings:
        folder = Path(data_dir) if data_dir else default_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        limit = max_upload_bytes or int(
            os.environ.get("EQUALQI_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD)
        )
        return cls(
            data_dir=folder,
            database_url=database_url
            or os.environ.get("EQUALQI_DATABASE_URL")
            or default_url(folder),
            secret_key=secret_key(folder),
            max_upload_bytes=limit,
            secure_cookies=os.environ.get("EQUALQI_SECURE_COOKIES", "") == "1",
            job_workers=int(os.environ.get("EQUALQI_JOB_WORKERS", "2")),
            session_idle_seconds=60 * int(os.environ.get("EQUALQI_SESSION_IDLE_MINUTES", "30")),
            session_max_age=3600 * int(os.environ.get("EQUALQI_SESSION_HOURS", "8")),
            board_pack=os.environ.get("EQUALQI_BOARD_PACK", "1") != "0",
        )
