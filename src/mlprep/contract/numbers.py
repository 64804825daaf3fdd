"""Numbers as request bodies may carry them: JSON numbers only, never booleans or strings.

`true` is not 1 and `"60"` is not 60 (pydantic's lax mode would take both); an integer field also
takes a JSON number with no fraction (`8.0`), as JSON Schema's `integer` allows.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not true or false.")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A finite JSON number.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
# A JSON number without a fraction.
WholeNumber = Annotated[int, BeforeValidator(_whole_number), Field(strict=True)]
