"""Read erpmail's events, as an ERP's event module would (pika + jsonschema).

    RABBITMQ_URL=amqp://... python consumer.py [--queue mail.events] [--count N] [--timeout S]

Prints one JSON line per event: its type, job, tenant, time and the details of its type.
Each message is checked against erpmail's events schema; a repeat (the same message_id:
delivery is at least once) is acknowledged and skipped. A message that does not validate is
rejected without requeueing (bind a dead-letter exchange to the queue to keep such messages).
Stops after --count events or --timeout seconds without one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import jsonschema
import pika

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "mail-events.v1.schema.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue", default="mail.events")
    parser.add_argument("--count", type=int, default=0, help="stop after this many (0: never)")
    parser.add_argument(
        "--timeout", type=float, default=0, help="stop after this many idle seconds"
    )
    args = parser.parse_args()

    validator = jsonschema.Draft202012Validator(
        json.loads(SCHEMA.read_text(encoding="utf-8")),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    seen: set[str] = set()  # a real module keeps these in its database, with its own records
    handled = 0
    url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=50)
    try:
        for method, _properties, body in channel.consume(
            args.queue, inactivity_timeout=args.timeout or None
        ):
            if method is None:  # idle for --timeout seconds
                break
            try:
                event = json.loads(body)
                validator.validate(event)
            except (ValueError, jsonschema.ValidationError) as error:
                print(f"not an erpmail event: {error}", file=sys.stderr)
                channel.basic_reject(method.delivery_tag, requeue=False)
                continue
            if event["message_id"] not in seen:
                seen.add(event["message_id"])
                print(json.dumps(event, ensure_ascii=False), flush=True)
                handled += 1
            channel.basic_ack(method.delivery_tag)
            if args.count and handled >= args.count:
                break
    finally:
        channel.cancel()
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
