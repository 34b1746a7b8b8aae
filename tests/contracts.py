"""The published contracts, read back as an outside consumer would (for the tests)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pika
from referencing import Registry, Resource

from schemas.export import EVENTS_SCHEMA_FILE, JOB_SCHEMA_FILE


@cache
def registry() -> Registry[Any]:
    """The two schema files, under their ids and the relative names the AsyncAPI document uses."""
    resources = []
    for path in (JOB_SCHEMA_FILE, EVENTS_SCHEMA_FILE):
        resource = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        resources += [(path.name, resource), (resource.id() or path.name, resource)]
    return Registry().with_resources(resources)


def validator(ref: str) -> jsonschema.Draft202012Validator:
    """A validator of the schema at ``ref`` (e.g. ``mail-events.v1.schema.json#/$defs/X``)."""
    return jsonschema.Draft202012Validator(
        {"$ref": ref},
        registry=registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def check_event(properties: pika.BasicProperties, body: bytes) -> dict[str, Any]:
    """The event message in ``body``, once it is shown to validate against the events schema
    file and its AMQP properties to agree with its envelope."""
    message: dict[str, Any] = json.loads(body)
    errors = [error.message for error in validator(EVENTS_SCHEMA_FILE.name).iter_errors(message)]
    assert errors == [], f"{message.get('type')} does not validate: {errors}"
    assert properties.message_id == message["message_id"]
    assert properties.type == message["type"]
    assert properties.content_type == "application/json"
    assert properties.delivery_mode == pika.DeliveryMode.Persistent.value
    return message
