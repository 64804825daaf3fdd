"""The base of every wire model: camelCase out, any letter case in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A JSON shape of the API. Output is camelCase; input names match case-insensitively.

    Real clients of the vendor's instrument send PascalCase (`ViewId`), as ASP.NET accepts it.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _match_names_case_insensitively(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        by_lower = {
            (field.alias or name).lower(): field.alias or name
            for name, field in cls.model_fields.items()
        }
        return {
            by_lower.get(key.lower(), key) if isinstance(key, str) else key: value
            for key, value in data.items()
        }
