"""Users, roles, permissions, tokens and the lockout policy."""
