"""schemas/asyncapi.yaml: the AMQP contract as a document, held to the code and the schemas."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from schemas.export import ASYNCAPI_FILE
from tests.contracts import validator
from workers.broker import names
from workers.broker.topology import build_topology
from workers.settings import Settings

DOCUMENT: dict[str, Any] = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
MESSAGES: dict[str, Any] = DOCUMENT["components"]["messages"]


def resolve(ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: only local references inside the document"
    node: Any = DOCUMENT
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def bindings(kind: str) -> set[tuple[str, str]]:
    """(name, exchange type or 'queue') of every exchange or queue the channels name."""
    found = set()
    for channel in DOCUMENT["channels"].values():
        amqp = channel["bindings"]["amqp"]
        if "$ref" in amqp:
            amqp = resolve(amqp["$ref"])
        if amqp["is"] == kind == "routingKey":
            found.add((amqp["exchange"]["name"], amqp["exchange"]["type"]))
        elif amqp["is"] == kind == "queue":
            found.add((amqp["queue"]["name"], "queue"))
    return found


def test_it_is_an_asyncapi_3_document_whose_references_resolve() -> None:
    assert DOCUMENT["asyncapi"].startswith("3.")

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
                resolve(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOCUMENT)
    for operation in DOCUMENT["operations"].values():
        assert operation["action"] in ("send", "receive")
        channel = resolve(operation["channel"]["$ref"])
        for message in operation["messages"]:
            assert message["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
            assert resolve(message["$ref"]) in channel["messages"].values()


def test_every_exchange_queue_and_event_of_the_code_is_in_the_document() -> None:
    topology = build_topology(Settings().retry_ladder)
    exchanges = {(exchange.name, exchange.kind) for exchange in topology.exchanges}
    assert bindings("routingKey") == exchanges
    fixed_queues = {queue.name for queue in topology.queues} - {
        names.retry_queue(delay) for delay in Settings().retry_ladder
    }
    assert {name for name, _ in bindings("queue")} == fixed_queues
    addresses = {channel["address"] for channel in DOCUMENT["channels"].values()}
    events = {names.EVENT_SENT, names.EVENT_FAILED, names.EVENT_BOUNCED, names.EVENT_COMPLAINT}
    assert {names.JOB_ROUTING_KEY, *events} <= addresses
    assert {message["name"] for message in MESSAGES.values()} == {"mail.job", *events}


def test_every_message_has_a_schema_and_examples() -> None:
    for key, message in MESSAGES.items():
        assert message["contentType"] == "application/json", key
        assert message["payload"]["schema"]["$ref"].startswith("mail-"), key
        assert message["examples"], f"{key} has no example"


@pytest.mark.parametrize(
    ("message", "example"),
    [
        pytest.param(key, example, id=f"{key}:{example['name']}")
        for key, message in MESSAGES.items()
        for example in message["examples"]
    ],
)
def test_every_example_validates_against_its_message_schema(
    message: str, example: dict[str, Any]
) -> None:
    schema = validator(MESSAGES[message]["payload"]["schema"]["$ref"])
    assert [error.message for error in schema.iter_errors(example["payload"])] == []
    if MESSAGES[message]["name"] != "mail.job":
        payload = example["payload"]
        assert payload["type"] == MESSAGES[message]["name"]
        assert payload["message_id"].startswith(payload["type"] + ":")


def test_a_payload_of_the_wrong_type_does_not_validate() -> None:
    sent = MESSAGES["mailSent"]["examples"][0]["payload"]
    bounced_schema = validator(MESSAGES["mailBounced"]["payload"]["schema"]["$ref"])
    assert not bounced_schema.is_valid(sent)
    assert not validator(MESSAGES["mailSent"]["payload"]["schema"]["$ref"]).is_valid(
        {**sent, "occurred_at": "2026-12-06T08:00:02"}  # no zone
    )
