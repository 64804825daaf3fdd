"""Logging in and out, renewing tokens, and turning a token back into a principal."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable

from mlprep.audit import AuditTrail
from mlprep.auth.access_keys import AccessKeys
from mlprep.auth.inactivity import SessionActivity
from mlprep.auth.lockout import LockoutPolicy
from mlprep.auth.passwords import PasswordChecks
from mlprep.auth.permissions import Permission, permissions_of
from mlprep.auth.principal import Principal
from mlprep.auth.refused_tokens import RefusedTokens
from mlprep.auth.tokens import TokenClaims, TokenIssuer
from mlprep.auth.verified_tokens import REVALIDATE_SECONDS, VerifiedTokens
from mlprep.clock import Clock
from mlprep.contract.authenticate import AuthenticateResponse
from mlprep.contract.users import Role
from mlprep.errors import (
    AuthenticationError,
    BadCredentialsError,
    DatabaseUnavailableError,
    PermissionDeniedError,
)
from mlprep.store.tokens import RevokedTokenStore
from mlprep.store.users import UserRecord, UserStore

BAD_CREDENTIALS = "The user name or password is incorrect."
KEY_REVOKED = "The access key this token was exchanged for has been revoked; log in again."
ACCESS_KEYS_OFF = "This server takes no access keys."
logger = logging.getLogger("mlprep.auth")

# mlprep has no password ageing (the vendor's example reports 0 too).
PASSWORD_EXPIRES_IN_DAYS = 0

# Ends the event streams opened with a user's tokens: (user id, one token's jti or None for all).
SessionEnder = Callable[[str, str | None], None]


class Authenticator:
    """Checks credentials and tokens; every login, logout and lockout is audited."""

    def __init__(
        self,
        users: UserStore,
        revoked: RevokedTokenStore,
        issuer: TokenIssuer,
        lockout: LockoutPolicy,
        password_checks: PasswordChecks,
        audit: AuditTrail,
        clock: Clock,
        end_sessions: SessionEnder,
        activity: SessionActivity,
        verified: VerifiedTokens | None = None,
        access_keys: AccessKeys | None = None,
    ) -> None:
        self._users = users
        self._revoked = revoked
        self._issuer = issuer
        self._lockout = lockout
        self._password_checks = password_checks
        self._audit = audit
        self._clock = clock
        self._end_sessions = end_sessions
        self._activity = activity
        self._verified = VerifiedTokens() if verified is None else verified
        self._access_keys = access_keys
        self._refused = RefusedTokens()
        self._name_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def login(
        self, user_name: str, password: str, client: str | None
    ) -> AuthenticateResponse:
        """A token for valid credentials.

        Raises:
            ServiceBusyError: too many logins are being checked already.
            TooManyAttemptsError: the user name is locked out.
            BadCredentialsError: the credentials are wrong (the message never says which part).
        """
        # The store calls run on worker threads (with PostgreSQL each is a round trip that would
        # hold the event loop), and so does the password check, on a pool of its own.
        async with self._password_checks.turn(), self._one_at_a_time(user_name):
            admission = await asyncio.to_thread(self._lockout.admit, user_name)
            user = await asyncio.to_thread(self._users.by_name, user_name)
            matches = await self._password_checks.verify(
                user.password_hash if user else None, password
            )
            if not matches or user is None:
                await asyncio.to_thread(self._failed, user_name, client, admission.last_chance)
                raise BadCredentialsError(BAD_CREDENTIALS)
            await asyncio.to_thread(self._lockout.succeeded, admission)
        return await asyncio.to_thread(self._logged_in, user, client)

    async def login_with_access_key(self, key: str, client: str | None) -> AuthenticateResponse:
        """A token for a valid access key, tied to the key (revoking the key ends it).

        Raises BadCredentialsError for a key that is malformed, unknown or revoked.
        """
        return await asyncio.to_thread(self._exchange, key, client)

    def _exchange(self, key: str, client: str | None) -> AuthenticateResponse:
        if self._access_keys is None:
            raise BadCredentialsError(ACCESS_KEYS_OFF)
        try:
            holder = self._access_keys.holder(key)
        except AuthenticationError:
            self._audit.record(
                "login", actor=None, outcome="failure", client=client, detail="access key"
            )
            raise
        self._audit.record(
            "login",
            actor=holder.user.user_name,
            client=client,
            detail=f"access key {holder.key_id[:8]} (…{holder.hint})",
        )
        return self._respond(holder.user, access_key_id=holder.key_id)

    def _failed(self, user_name: str, client: str | None, locks_out: bool) -> None:
        self._audit.record("login", actor=user_name, outcome="failure", client=client)
        if locks_out:
            self._audit.record(
                "lockout",
                actor=user_name,
                outcome="locked",
                client=client,
                detail="too many failed logins",
            )

    def _logged_in(self, user: UserRecord, client: str | None) -> AuthenticateResponse:
        self._audit.record("login", actor=user.user_name, client=client)
        return self._respond(user)

    def _one_at_a_time(self, user_name: str) -> asyncio.Lock:
        """The lock that makes this server check one login of a user name at a time.

        Attempts are counted before their check (which bounds guesses even across processes
        sharing PostgreSQL); checking them one by one within a process also keeps concurrent
        *right* passwords from counting against each other: each success starts the count
        again before the next attempt is counted.
        """
        key = LockoutPolicy.key(user_name)
        lock = self._name_locks.get(key)
        if lock is None:
            lock = self._name_locks[key] = asyncio.Lock()
        return lock

    async def principal_of(self, token: str, use: bool = True) -> Principal:
        """The principal behind a token. Raises AuthenticationError if it is not valid now.

        A token verified before (and not revoked since) costs a dictionary look-up, and so does
        one refused before; any other is verified against the store on a worker thread, never on
        the event loop. Each call counts as a use of the token's login session (the inactivity
        logout), unless `use` is False.
        """
        principal = self._verified.get(token, self._clock.now())
        if principal is None:
            reason = self._refused.reason(token)
            if reason is not None:
                raise AuthenticationError(reason)
            return await asyncio.to_thread(self.authenticate, token, use)
        self._use_session(principal.claims, use)
        return principal

    def remembered(self, token: str) -> Principal | None:
        """The principal of a token verified before, its session's use noted; None when the
        token has to go through `principal_of` (not verified yet, expired, refused, or its
        session unused for too long: `principal_of` then says why)."""
        principal = self._verified.get(token, self._clock.now())
        if principal is None:
            return None
        try:
            self._activity.use(principal.claims)
        except AuthenticationError:
            return None
        return principal

    def refusal(self, token: str) -> str | None:
        """Why `token` was refused before, if it was: the reason holds for good."""
        return self._refused.reason(token)

    def authenticate(self, token: str, use: bool = True) -> Principal:
        """The principal behind a token, verified against the store now (and remembered).

        Raises AuthenticationError if it is not valid now. Each call counts as a use of the
        token's login session (the inactivity logout), unless `use` is False (an open event
        stream checking that its token is still valid).
        """
        since = self._verified.epoch
        try:
            principal = self._verify(token)
            self._use_session(principal.claims, use)
        except AuthenticationError as error:
            self._verified.forget([token])
            self._refused.refuse(token, error.detail)
            raise
        self._verified.remember(token, principal, since)
        return principal

    def _verify(self, token: str) -> Principal:
        claims = self._issuer.verify(token)
        if self._revoked.is_revoked(claims.jti):
            raise AuthenticationError("The token has been revoked by a logout; log in again.")
        user = self._users.by_id(claims.user_id)
        if user is None:
            raise AuthenticationError("The token's user no longer exists.")
        if claims.generation != user.token_generation:
            raise AuthenticationError(
                "The token was issued before the user's password or role changed; log in again."
            )
        if claims.access_key_id and not self._key_exists(claims.access_key_id):
            raise AuthenticationError(KEY_REVOKED)
        role = Role(user.role)
        return Principal(user.id, user.user_name, role, permissions_of(role), claims)

    def _key_exists(self, key_id: str) -> bool:
        return self._access_keys is not None and self._access_keys.exists(key_id)

    def _use_session(self, claims: TokenClaims, use: bool) -> None:
        if use:
            self._activity.use(claims)
        else:
            self._activity.check(claims)

    def revalidate(self) -> None:
        """Forget remembered tokens that another process has made invalid since they were
        verified (a new password, a new role, a removed user, a logout on another server of the
        same database), and those that have expired. Two queries, whatever the number of
        tokens; the server runs this every REVALIDATE_SECONDS on a worker thread."""
        self._verified.forget_expired(self._clock.now())
        remembered = self._verified.remembered()
        if not remembered:
            return
        generations = self._users.generations()
        revoked = self._revoked.revoked_among({p.claims.jti for _, p in remembered})
        keys = {p.claims.access_key_id for _, p in remembered if p.claims.access_key_id}
        live_keys = self._access_keys.existing_among(keys) if keys and self._access_keys else set()
        self._verified.forget(
            token
            for token, principal in remembered
            if generations.get(principal.user_id) != principal.claims.generation
            or principal.claims.jti in revoked
            or (principal.claims.access_key_id and principal.claims.access_key_id not in live_keys)
        )

    def renew(self, principal: Principal) -> AuthenticateResponse:
        """A fresh token for the same user and login session; the old one stays valid until
        it expires."""
        user = self._users.by_id(principal.user_id)
        if user is None:
            raise AuthenticationError("The token's user no longer exists.")
        return self._respond(user, principal.claims.session, principal.claims.access_key_id)

    def logout(self, principal: Principal, client: str | None) -> None:
        """Revoke the token the principal presented, and end the event streams it opened."""
        claims: TokenClaims = principal.claims
        self._revoked.revoke(claims.jti, claims.expires_at, self._clock.now())
        self._activity.ended(claims)
        self._audit.record("logout", actor=principal.user_name, client=client)
        self._end_sessions(principal.user_id, claims.jti)

    @staticmethod
    def require(principal: Principal, permission: Permission) -> None:
        """Raises PermissionDeniedError unless the principal holds `permission`."""
        if not principal.can(permission):
            raise PermissionDeniedError(
                f"This operation needs the permission '{permission.value}', which the role "
                f"'{principal.role.value}' of user '{principal.user_name}' does not grant."
            )

    def close(self) -> None:
        """Stop the password-checking threads."""
        self._password_checks.close()

    def _respond(
        self, user: UserRecord, session_id: str | None = None, access_key_id: str | None = None
    ) -> AuthenticateResponse:
        permissions = sorted(p.value for p in permissions_of(Role(user.role)))
        token, claims = self._issuer.issue(
            user.id, user.user_name, permissions, user.token_generation, session_id, access_key_id
        )
        self._activity.started(claims)
        inactive_logout, logout_countdown = self._activity.minutes()
        return AuthenticateResponse(
            user_name=user.user_name,
            user_id=user.id,
            token=token,
            inactive_logout=inactive_logout,
            logout_countdown=logout_countdown,
            expires_in=int(self._issuer.lifetime.total_seconds() // 60),
            password_expires_in_days=PASSWORD_EXPIRES_IN_DAYS,
            notify_password_expires_soon=False,
        )


async def keep_verified_tokens_fresh(
    authenticator: Authenticator, every: float | None = None
) -> None:
    """Revalidate the remembered tokens every `every` seconds (REVALIDATE_SECONDS by default),
    off the event loop, until cancelled."""
    while True:
        await asyncio.sleep(every or REVALIDATE_SECONDS)
        try:
            await asyncio.to_thread(authenticator.revalidate)
        except DatabaseUnavailableError as error:  # said once by the store; try again next time
            logger.debug("could not revalidate the remembered tokens: %s", error.cause.value)
        except Exception:
            logger.exception("could not revalidate the remembered tokens")
