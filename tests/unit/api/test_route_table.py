"""The ranking rule, written once: of the templates a path matches in any letter case, the most
literal ones are reached; a parameter is never empty and keeps its value as sent."""

from __future__ import annotations

from mlprep.api.route_table import Templates


def templates() -> Templates[str]:
    table: Templates[str] = Templates()
    for text, value in [
        ("/api/v1/maintenance/{id}", "GET procedure"),
        ("/api/v1/maintenance/{id}", "POST procedure"),
        ("/api/v1/maintenance/errors", "GET errors"),
        ("/api/v1/maintenance/images/{imageName}", "GET image"),
        ("/api/v1/maintenance/{id}/x", "GET x"),
    ]:
        table.add(text, value)
    return table


def test_a_literal_segment_outranks_a_parameter() -> None:
    reached = templates().reached("/API/v1/Maintenance/ERRORS")

    assert reached is not None
    template, values, parts = reached
    assert values == ["GET errors"]
    assert template.canonical(parts) == "/api/v1/maintenance/errors"


def test_a_parameter_keeps_its_value_and_every_route_of_the_template_is_reached() -> None:
    reached = templates().reached("/API/v1/Maintenance/AbC")

    assert reached is not None
    template, values, parts = reached
    assert values == ["GET procedure", "POST procedure"]
    assert template.parameters(parts) == {"id": "AbC"}
    assert template.canonical(parts) == "/api/v1/maintenance/AbC"


def test_a_path_with_an_empty_parameter_or_no_template_reaches_nothing() -> None:
    assert templates().reached("/api/v1/maintenance/") is None
    assert templates().reached("/api/v1/maintenance/images/") is None
    assert templates().reached("/elsewhere") is None
