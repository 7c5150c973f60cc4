"""A SCRAM-SHA-256 password verifier, computed here so the password never reaches the server.

PostgreSQL stores `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` and accepts
that string in `CREATE ROLE ... PASSWORD '...'` as it is. Sending the verifier, never the
password, keeps the password out of the server's statement log, `pg_stat_activity` and any
error message (RFC 5802 and RFC 7677; PostgreSQL's `scram_build_secret` does the same).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stringprep
import unicodedata
from dataclasses import dataclass

ITERATIONS = 4096  # PostgreSQL's default (scram_iterations) and RFC 7677's minimum
SALT_BYTES = 16  # as PostgreSQL's SCRAM_DEFAULT_SALT_LEN


@dataclass(frozen=True)
class ScramKeys:
    """The parts of a SCRAM-SHA-256 verifier."""

    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes
    client_key: bytes  # not stored anywhere: kept for checking against published test vectors

    @property
    def verifier(self) -> str:
        """The text PostgreSQL keeps in `pg_authid.rolpassword`."""

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        return (
            f"SCRAM-SHA-256${self.iterations}:{b64(self.salt)}"
            f"${b64(self.stored_key)}:{b64(self.server_key)}"
        )


def scram_keys(
    password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS
) -> ScramKeys:
    """Derive the keys for `password` (a fresh random salt unless one is given)."""
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", _prepared(password), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    return ScramKeys(
        salt=salt,
        iterations=iterations,
        stored_key=hashlib.sha256(client_key).digest(),
        server_key=hmac.digest(salted, b"Server Key", "sha256"),
        client_key=client_key,
    )


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """The `SCRAM-SHA-256$4096:...` verifier to send in place of the password."""
    return scram_keys(password, salt=salt).verifier


def _prepared(password: str) -> bytes:
    """The password's bytes after SASLprep, or as typed where SASLprep refuses it.

    PostgreSQL (server and libpq alike) falls back to the raw bytes when SASLprep fails,
    so a client that did otherwise would store a verifier no sign-in could match.
    """
    prepared = saslprep(password)
    return (password if prepared is None else prepared).encode("utf-8")


def _prohibited(char: str) -> bool:
    return (
        stringprep.in_table_c12(char)
        or stringprep.in_table_c21_c22(char)
        or stringprep.in_table_c3(char)
        or stringprep.in_table_c4(char)
        or stringprep.in_table_c5(char)
        or stringprep.in_table_c6(char)
        or stringprep.in_table_c7(char)
        or stringprep.in_table_c8(char)
        or stringprep.in_table_c9(char)
    )


def saslprep(text: str) -> str | None:
    """RFC 4013 SASLprep of `text` (unassigned code points allowed, as for a stored
    string in PostgreSQL), or None where the profile prohibits the result."""
    if text.isascii():
        return text  # as PostgreSQL's pg_saslprep: ASCII is left as it is, controls and all
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else c for c in text if not stringprep.in_table_b1(c)
    )
    normal = unicodedata.normalize("NFKC", mapped)
    if any(_prohibited(c) for c in normal):
        return None
    right_to_left = [stringprep.in_table_d1(c) for c in normal]
    if any(right_to_left):
        if any(stringprep.in_table_d2(c) for c in normal):
            return None
        if not (right_to_left[0] and right_to_left[-1]):
            return None
    return normal
