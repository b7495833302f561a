"""Encryption at rest for tokens and pending codes (Fernet; MultiFernet for rotation)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from daemon.redact import Secret


class CipherError(Exception):
    """A stored value could not be decrypted with any configured key."""


class TokenCipher:
    """Encrypts with the first key; decrypts with any, so keys can be rotated without downtime."""

    def __init__(self, keys: Sequence[Secret]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernets = [Fernet(key.reveal().encode()) for key in keys]
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._multi.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise CipherError("stored value cannot be decrypted with the configured keys") from None

    def needs_rotation(self, ciphertext: str) -> bool:
        """True when the value was not encrypted with the current (first) key."""
        try:
            self._fernets[0].decrypt(ciphertext.encode("ascii"))
        except InvalidToken:
            return True
        return False

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext, re-encrypted under the current key."""
        try:
            return self._multi.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise CipherError("stored value cannot be decrypted with the configured keys") from None


def generate_key() -> str:
    """A new key in the format IGSYNC_ENCRYPTION_KEYS expects."""
    return Fernet.generate_key().decode("ascii")
