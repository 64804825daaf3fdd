"""Where the project's reference contract lives: `contract/` at the top of the repository.

The contract is maintained there (it began as a copy of the one written from the vendor's
documentation); the running server is tested against it, never only against its own schema.
"""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
CONTRACT = REPOSITORY / "contract" / "ml-prep-maintenance.openapi.yaml"
