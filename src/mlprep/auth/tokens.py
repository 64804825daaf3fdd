"""JSON web tokens: HS256, with the vendor's claim names, checked against the injected clock."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from mlprep.clock import Clock
from mlprep.errors import AuthenticationError, StartupError
from mlprep.ids import IdGenerator
from mlprep.private_files import write_private

ALGORITHM = "HS256"
SECRET_BYTES = 32  # HS256 signs with a key of at least its hash's size (RFC 7518 §3.2)


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    user_id: str
    user_name: str
    permissions: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    jti: str
    # The user's token generation when it was issued: a new password, a new role or the user's
    # removal moves the generation on, and every token of an earlier one stops working.
    generation: int = 0
    # The login session: the jti of the login's token, carried on by each renewal (the
    # inactivity logout counts the session's use, whichever of its tokens is used).
    session_id: str = ""
    # The access key the token was exchanged for (auth/access_keys.py); revoking the key ends it.
    access_key_id: str = ""

    @property
    def session(self) -> str:
        """The login session's id (a token without one is a session of its own)."""
        return self.session_id or self.jti


class TokenIssuer:
    """Signs and verifies tokens with one secret."""

    def __init__(self, secret: bytes, clock: Clock, ids: IdGenerator, lifetime: timedelta) -> None:
        self._secret = secret
        self._clock = clock
        self._ids = ids
        self.lifetime = lifetime

    def issue(
        self,
        user_id: str,
        user_name: str,
        permissions: list[str],
        generation: int = 0,
        session_id: str | None = None,
        access_key_id: str | None = None,
    ) -> tuple[str, TokenClaims]:
        """A new signed token and its claims; a renewal names the session it continues, and a
        token exchanged for an access key names the key."""
        now = self._clock.now().replace(microsecond=0)
        jti = self._ids.new_id()
        claims = TokenClaims(
            user_id=user_id,
            user_name=user_name,
            permissions=tuple(permissions),
            issued_at=now,
            expires_at=now + self.lifetime,
            jti=jti,
            generation=generation,
            session_id=session_id or jti,
            access_key_id=access_key_id or "",
        )
        payload: dict[str, object] = {
            "nameid": user_id,
            "given_name": user_name,
            "role": list(permissions),
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "jti": claims.jti,
            "gen": claims.generation,
            "sid": claims.session_id,
        }
        if claims.access_key_id:
            payload["akid"] = claims.access_key_id
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def verify(self, token: str) -> TokenClaims:
        """The claims of a well-signed, unexpired token. Raises AuthenticationError otherwise."""
        try:
            # Expiry is checked below against the injected clock, not the machine's.
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["exp", "iat", "jti", "nameid"],
                },
            )
        except jwt.InvalidTokenError as error:
            raise AuthenticationError("The token is malformed or not validly signed.") from error
        try:
            expires_at = datetime.fromtimestamp(int(payload["exp"]), UTC)
            issued_at = datetime.fromtimestamp(int(payload["iat"]), UTC)
            role = payload.get("role", [])
            permissions = (role,) if isinstance(role, str) else tuple(str(r) for r in role)
            claims = TokenClaims(
                user_id=str(payload["nameid"]),
                user_name=str(payload.get("given_name", "")),
                permissions=permissions,
                issued_at=issued_at,
                expires_at=expires_at,
                jti=str(payload["jti"]),
                generation=int(payload.get("gen", 0)),
                session_id=str(payload.get("sid", "")),
                access_key_id=str(payload.get("akid", "")),
            )
        except (TypeError, ValueError, OverflowError) as error:
            raise AuthenticationError("The token's claims are malformed.") from error
        if self._clock.now() >= claims.expires_at:
            raise AuthenticationError("The token has expired; log in again or renew it in time.")
        return claims


def load_or_create_secret(path: Path) -> bytes:
    """The signing secret kept at `path` (mode 0600), created on first use.

    Raises:
        StartupError: the file is empty or is not a secret this server wrote (a start stopped
            part-way by an older release, or an edit), with what to do about it.
        OSError: the secret cannot be written (errno ENOSPC: the disk is full); nothing is left.
    """
    if not path.exists():
        secret = secrets.token_bytes(SECRET_BYTES)
        if write_private(path, secret.hex() + "\n"):
            return secret
        # Another process made it at the same moment: use theirs, as every later start will.
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    text = path.read_text(errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) >= SECRET_BYTES:
        return secret
    what = "is empty" if not text else f"is damaged (not {SECRET_BYTES * 2} hexadecimal digits)"
    raise StartupError(
        f"the signing secret {path} {what}; delete it and start again to make a new one "
        "(everyone signed in will have to log in again)"
    )
