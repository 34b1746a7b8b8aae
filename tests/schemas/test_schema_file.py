"""The checked-in JSON Schema is what producers in other languages validate against."""

from __future__ import annotations

import json

import jsonschema
import pytest

from schemas.export import FILES, JOB_SCHEMA_FILE, render
from tests.jobs import make_job


def test_the_checked_in_schemas_match_the_models() -> None:
    for path, make in FILES.items():
        assert path.read_text(encoding="utf-8") == render(make()), (
            f"schemas/{path.name} is out of date: run 'make schema'"
        )


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(JOB_SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_file_accepts_a_valid_job(validator: jsonschema.Draft202012Validator) -> None:
    assert list(validator.iter_errors(make_job())) == []


@pytest.mark.parametrize(
    "overrides",
    [{"schema_version": 2}, {"surprise": True}, {"kind": "spam"}, {"to": []}, {"tenant": "../x"}],
)
def test_the_schema_file_refuses_what_the_model_refuses(
    validator: jsonschema.Draft202012Validator, overrides: dict[str, object]
) -> None:
    assert list(validator.iter_errors(make_job(**overrides))) != []
