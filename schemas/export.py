"""Write the checked-in JSON Schema files from the models: ``python -m schemas.export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from schemas.events import AnyEvent
from schemas.job import MailJobV1

SCHEMA_DIR = Path(__file__).parent
JOB_SCHEMA_FILE = SCHEMA_DIR / "mail-job.v1.schema.json"
EVENTS_SCHEMA_FILE = SCHEMA_DIR / "mail-events.v1.schema.json"
ASYNCAPI_FILE = SCHEMA_DIR / "asyncapi.yaml"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def job_schema() -> dict[str, Any]:
    schema = MailJobV1.model_json_schema(mode="validation")
    return {"$schema": DRAFT, **schema}


def events_schema() -> dict[str, Any]:
    """Every event message: one of the four, told apart by ``type``; each in ``$defs`` under
    its model's name (SentEvent, FailedEvent, BouncedEvent, ComplaintEvent) for the AsyncAPI
    document to point at."""
    schema = TypeAdapter(AnyEvent).json_schema(mode="serialization")
    schema.pop("discriminator", None)  # OpenAPI's keyword, not JSON Schema's: "type" is a const
    return {
        "$schema": DRAFT,
        "$id": "https://erpmail.invalid/schemas/mail-events.v1.schema.json",
        "title": "erpmail event message v1",
        "description": "What erpmail publishes on the mail.events exchange: one envelope "
        "(version, type, message_id, job_id, tenant, occurred_at in UTC) and the type's data.",
        **schema,
    }


FILES = {JOB_SCHEMA_FILE: job_schema, EVENTS_SCHEMA_FILE: events_schema}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    for path, make in FILES.items():
        path.write_text(render(make()), encoding="utf-8")
        print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
