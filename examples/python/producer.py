"""Publish one mail job to erpmail, as an ERP's producer would (pika + jsonschema).

    RABBITMQ_URL=amqp://... python producer.py --tenant acme --user MARI --to juri@example.ee

Validates the job against erpmail's schema file first (a job the schema refuses would only
be dead-lettered), publishes it persistent, with the job id as the AMQP message id, on a
channel with publisher confirms, and prints the job id once the broker has confirmed it.
Depends on nothing of erpmail's but the schema file.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pika

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "mail-job.v1.schema.json"


def make_job(args: argparse.Namespace) -> dict[str, object]:
    return {
        "schema_version": 1,
        "job_id": str(uuid.uuid4()),  # the idempotency key: publish a job again with the same
        "tenant": args.tenant,
        "user_code": args.user,
        "kind": "invoice",
        "to": args.to,
        "subject": args.subject,
        "text": "Tere! Arve on lisatud.",
        "attachments": [
            {
                "filename": "arve.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(b"%PDF-1.4 example").decode("ascii"),
            }
        ],
        "headers": {"X-Invoice-Number": "2026-0042"},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="acme")
    parser.add_argument("--user", default="MARI")
    parser.add_argument("--to", action="append", required=True)
    parser.add_argument("--subject", default="Arve nr 2026-0042")
    args = parser.parse_args()

    job = make_job(args)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = [
        f"{''.join(f'/{part}' for part in error.path) or '(job)'}: {error.message}"
        for error in validator.iter_errors(job)
    ]
    if problems:
        print("the job is not valid:", *problems, sep="\n  ", file=sys.stderr)
        return 1

    url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()  # basic_publish now returns once the broker has the job
        channel.basic_publish(
            exchange="mail.jobs",
            routing_key="job.send",
            body=json.dumps(job, ensure_ascii=False).encode("utf-8"),
            properties=pika.BasicProperties(
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=str(job["job_id"]),
            ),
            mandatory=True,  # no queue bound: an error, not a silent drop
        )
    except (pika.exceptions.NackError, pika.exceptions.UnroutableError) as refused:
        print(
            f"the broker did not take the job: {refused!r}; publish it again later", file=sys.stderr
        )
        return 2
    finally:
        connection.close()
    print(job["job_id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
