"""The base of every wire model: camelCase out, any letter case in."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

# Control characters have no place in anything a person types or an id: NUL cannot even be
# stored by PostgreSQL. Tabs and line breaks are text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_CONTROL_CHARACTERS = "must not contain control characters (such as NUL)"
# The same rule as a JSON Schema pattern, so that the OpenAPI document says what is enforced.
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"


def has_control_characters(value: object) -> bool:
    """Whether a string (or any string inside a list or dict) holds a control character."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_control_characters(item) for item in value)
    if isinstance(value, dict):
        return any(has_control_characters(v) for pair in value.items() for v in pair)
    return False


class WireModel(BaseModel):
    """A JSON shape of the API. Output is camelCase; input names match case-insensitively.

    Real clients of the vendor's instrument send PascalCase (`ViewId`), as ASP.NET accepts it.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        json_schema_extra=lambda schema, _model: _document_text_pattern(schema),
    )

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

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        # A nested model checks the fields it reads itself; what it ignores (a free-form
        # property of an `errorData` item) may hold any text, as the answer's own extras do.
        if info.field_name is not None and _holds_models(cls, info.field_name):
            return value
        if has_control_characters(value):
            raise ValueError(f"The value {NO_CONTROL_CHARACTERS}.")
        return value


@cache
def _holds_models(model: type[BaseModel], field_name: str) -> bool:
    """Whether the field's type is a model or holds one (a list of them, an optional one)."""
    return _names_a_model(model.model_fields[field_name].annotation)


def _names_a_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_names_a_model(argument) for argument in get_args(annotation))


def nullable_as_vendor(*names: str) -> Callable[[dict[str, Any], type], None]:
    """A model's `json_schema_extra` that documents the properties `names` (by their wire name) as
    nullable, as the vendor's document has them (.NET strings and enums may be null), though
    mlprep always fills them: generated clients then type them as the vendor's do."""

    def extra(schema: dict[str, Any], _model: type) -> None:
        _document_text_pattern(schema)
        properties = schema.get("properties", {})
        for name in names:
            prop = properties[name]
            if {"type": "null"} in prop.get("anyOf", []):
                continue
            outer = {key: prop.pop(key) for key in ("title", "description") if key in prop}
            properties[name] = {"anyOf": [prop, {"type": "null"}], **outer}

    return extra


def _document_text_pattern(schema: dict[str, Any]) -> None:
    """Add TEXT_PATTERN to every free-text string property of a model's JSON schema."""
    properties = schema.get("properties", {})
    for prop in properties.values():
        for candidate in [prop, *prop.get("anyOf", [])]:
            free_text = candidate.get("type") == "string" and not (
                {"enum", "pattern", "format", "const"} & candidate.keys()
            )
            if free_text:
                candidate["pattern"] = TEXT_PATTERN
