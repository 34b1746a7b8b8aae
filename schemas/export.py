"""Write the checked-in JSON Schema files from the models: ``python -m schemas.export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.job import MailJobV1

SCHEMA_DIR = Path(__file__).parent
JOB_SCHEMA_FILE = SCHEMA_DIR / "mail-job.v1.schema.json"


def job_schema() -> dict[str, Any]:
    schema = MailJobV1.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    JOB_SCHEMA_FILE.write_text(render(job_schema()), encoding="utf-8")
    print(f"wrote {JOB_SCHEMA_FILE.name}")


if __name__ == "__main__":
    main()
