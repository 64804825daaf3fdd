"""Permissions and the built-in roles that grant them."""

from __future__ import annotations

from enum import StrEnum

from mlprep.contract.users import Role


class Permission(StrEnum):
    """What an operation needs; tokens list them in their `role` claim, as the vendor does."""

    VIEW_MAINTENANCE = "ViewMaintenance"
    EXECUTE_MAINTENANCE = "ExecuteMaintenance"
    MODIFY_MAINTENANCE_SETTINGS = "ModifyMaintenanceSettings"
    MODIFY_USERS = "ModifyUsers"
    CONTROL_SIMULATOR = "ControlSimulator"
    VIEW_AUDIT = "ViewAudit"


_OPERATOR = frozenset({Permission.VIEW_MAINTENANCE, Permission.EXECUTE_MAINTENANCE})
_SERVICE = _OPERATOR | {Permission.MODIFY_MAINTENANCE_SETTINGS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: _OPERATOR,
    Role.SERVICE: _SERVICE,
    Role.ADMINISTRATOR: frozenset(Permission),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    """The permissions a role grants."""
    return ROLE_PERMISSIONS[role]
