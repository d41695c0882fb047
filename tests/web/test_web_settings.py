"""The session secret: from the environment, or made once, private, and reused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from equalqi.web.settings import DEFAULT_MAX_UPLOAD, Settings, secret_key


def test_secret_is_made_once_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EQUALQI_SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) >= 64  # 48 random bytes, URL-safe base64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key(tmp_path) == first
    monkeypatch.setenv("EQUALQI_SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path) == "from-the-environment"


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EQUALQI_DATABASE_URL", raising=False)
    monkeypatch.delenv("EQUALQI_MAX_UPLOAD_BYTES", raising=False)
    s = Settings.from_env(data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path / 'equalqi.db'}"
    assert s.max_upload_bytes == DEFAULT_MAX_UPLOAD == 200 * 1024 * 1024
    assert s.secure_cookies is False
