"""The SCRAM-SHA-256 verifier sent in place of a password: checked against RFC 7677's
worked example, against libpq's own client-side hashing, and against the server's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid

import psycopg
import pytest
from psycopg import sql

from intapp.store.scram import saslprep, scram_keys, scram_verifier

# RFC 7677, section 3: user "user", password "pencil".
RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
RFC_CLIENT_FIRST = "n=user,r=rOprNGfwEbeRWgbNEkqO"
RFC_SERVER_FIRST = (
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
RFC_CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
RFC_PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
RFC_SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_rfc_7677_worked_example() -> None:
    keys = scram_keys("pencil", salt=RFC_SALT, iterations=4096)
    auth_message = f"{RFC_CLIENT_FIRST},{RFC_SERVER_FIRST},{RFC_CLIENT_FINAL}".encode()
    signature = hmac.digest(keys.stored_key, auth_message, "sha256")
    proof = bytes(a ^ b for a, b in zip(keys.client_key, signature, strict=True))
    assert base64.b64encode(proof).decode() == RFC_PROOF
    server_signature = hmac.digest(keys.server_key, auth_message, "sha256")
    assert base64.b64encode(server_signature).decode() == RFC_SERVER_SIGNATURE
    # What the server does with a proof: recover ClientKey, hash it, compare with StoredKey.
    assert hashlib.sha256(bytes(a ^ b for a, b in zip(proof, signature, strict=True))).digest() == (
        keys.stored_key
    )


def test_the_verifier_has_postgresqls_format() -> None:
    verifier = scram_verifier("correct horse", salt=b"0123456789abcdef")
    scheme, rest = verifier.split("$", 1)
    head, keys = rest.split("$")
    iterations, salt = head.split(":")
    stored, server = keys.split(":")
    assert scheme == "SCRAM-SHA-256"
    assert iterations == "4096"
    assert base64.b64decode(salt) == b"0123456789abcdef"
    assert len(base64.b64decode(stored)) == len(base64.b64decode(server)) == 32


def test_a_fresh_salt_each_time() -> None:
    assert scram_verifier("same") != scram_verifier("same")


@pytest.mark.parametrize(
    ("text", "prepared"),
    [
        ("plain ascii", "plain ascii"),
        ("I\u00adX", "IX"),  # RFC 4013's examples: soft hyphen mapped to nothing
        ("\u00aa", "a"),  # NFKC
        ("\u2168", "IX"),
        ("a\u00a0b", "a b"),  # non-ASCII space to space
        ("\u0007x", "\u0007x"),  # ASCII is left alone, as PostgreSQL does
        ("a\u0627", None),  # mixed direction: prohibited, so the raw bytes are used
    ],
)
def test_saslprep(text: str, prepared: str | None) -> None:
    assert saslprep(text) == prepared


def _split(verifier: str) -> tuple[int, bytes]:
    head = verifier.split("$")[1]
    iterations, salt = head.split(":")
    return int(iterations), base64.b64decode(salt)


PASSWORDS = [
    "pencil",
    "Tr0ub4dor&3 with spaces",
    "caf\u00e9 \u00fcber \u00df",
    "I\u00adX\u2168",
    "a\u0627",
]


@pytest.mark.postgres
@pytest.mark.parametrize("password", PASSWORDS)
def test_same_as_libpqs_client_side_hashing(password: str) -> None:
    conn = psycopg.connect(_postgres_url())
    try:
        theirs = conn.pgconn.encrypt_password(
            password.encode(), b"someone", b"scram-sha-256"
        ).decode()
    finally:
        conn.close()
    iterations, salt = _split(theirs)
    assert scram_keys(password, salt=salt, iterations=iterations).verifier == theirs


@pytest.mark.postgres
@pytest.mark.parametrize("password", PASSWORDS)
def test_same_as_the_servers_own_hashing(password: str) -> None:
    """The server hashes a plain password itself; ours, with its salt, must be equal."""
    role = f"t_{uuid.uuid4().hex[:8]}_scram"
    conn = psycopg.connect(_postgres_url(), autocommit=True)
    try:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(
            sql.SQL("CREATE ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        (theirs,) = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)
        ).fetchone()  # type: ignore[misc]
        iterations, salt = _split(theirs)
        assert scram_keys(password, salt=salt, iterations=iterations).verifier == theirs
        # And the server keeps a verifier sent to it as it is, without hashing it again.
        ours = scram_verifier(password)
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(ours))
        )
        (kept,) = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)
        ).fetchone()  # type: ignore[misc]
        assert kept == ours
    finally:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.close()


def _postgres_url() -> str:
    url = os.environ.get(
        "INTAPP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    return url.replace("postgresql+psycopg://", "postgresql://")
