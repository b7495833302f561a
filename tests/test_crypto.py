"""Encryption at rest: round trip, rotation with the old key still reading, clean failures."""

from __future__ import annotations

import pytest

from daemon.crypto import CipherError, TokenCipher, generate_key
from daemon.redact import Secret, mask, scrub


def test_round_trip_does_not_store_plaintext() -> None:
    cipher = TokenCipher([Secret(generate_key())])
    ciphertext = cipher.encrypt("IGAAtoken-value")
    assert "IGAAtoken-value" not in ciphertext
    assert cipher.decrypt(ciphertext) == "IGAAtoken-value"


def test_rotation_keeps_old_values_readable_and_rewrites_them() -> None:
    old, new = generate_key(), generate_key()
    before = TokenCipher([Secret(old)]).encrypt("a-token")
    during = TokenCipher([Secret(new), Secret(old)])
    assert during.decrypt(before) == "a-token"
    assert during.needs_rotation(before)
    rotated = during.rotate(before)
    assert not during.needs_rotation(rotated)
    assert TokenCipher([Secret(new)]).decrypt(rotated) == "a-token"


def test_a_value_under_an_unknown_key_fails_without_quoting_anything() -> None:
    ciphertext = TokenCipher([Secret(generate_key())]).encrypt("a-token")
    with pytest.raises(CipherError) as caught:
        TokenCipher([Secret(generate_key())]).decrypt(ciphertext)
    assert "a-token" not in str(caught.value) and ciphertext not in str(caught.value)
    assert caught.value.__suppress_context__  # the library's exception stays out of tracebacks


def test_mask_shows_only_the_ends() -> None:
    token = "IGAA" + "x" * 150 + "9f3Q"
    assert mask(token) == "IGAA…9f3Q"
    assert mask("short") == "********"
    assert mask(None) == "-"


def test_scrub_removes_every_given_secret() -> None:
    assert scrub("bad code AQ123456 for token IGAA9999", ["AQ123456", "IGAA9999", None]) == (
        "bad code [redacted] for token [redacted]"
    )
