"""Who is calling, as the API learns it from a token."""

from __future__ import annotations

from dataclasses import dataclass

from mlprep.auth.permissions import Permission
from mlprep.auth.tokens import TokenClaims
from mlprep.contract.users import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated user and what they may do."""

    user_id: str
    user_name: str
    role: Role
    permissions: frozenset[Permission]
    claims: TokenClaims

    def can(self, permission: Permission) -> bool:
        """Whether this user holds `permission`."""
        return permission in self.permissions
