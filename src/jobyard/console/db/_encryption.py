"""Secrets at rest: kubeconfigs and registry passwords, sealed with a key in the data dir.

The key lives in ``DATA/console.key`` (mode 0600), apart from the database, so
a copy of the database alone (a backup, a PostgreSQL dump) reveals no secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["KEY_FILE", "SecretBox", "WrongKey"]

KEY_FILE = "console.key"


class WrongKey(Exception):
    """A stored secret does not open with the data dir's key."""


class SecretBox:
    """Encrypts and decrypts with the data dir's key (Fernet: AES-128-CBC with an HMAC)."""

    def __init__(self, key: bytes, key_path: Path) -> None:
        self._fernet = Fernet(key)
        self.key_path = key_path

    @classmethod
    def open(cls, data_dir: Path) -> SecretBox:
        """The box for ``data_dir``, creating its key file on first use."""
        key_path = data_dir / KEY_FILE
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            return cls(key_path.read_bytes().strip(), key_path)
        key = Fernet.generate_key()
        with os.fdopen(fd, "wb") as key_file:
            key_file.write(key)
        return cls(key, key_path)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise WrongKey(
                f"a stored secret cannot be decrypted with {self.key_path}: the key file was replaced "
                "or the database comes from another data dir; restore that key file or enter the secret again"
            ) from None
