"""The worker's model and the schema file judge every job of the shared table the same way.

The table (``job_cases.json``) names the rule each job tests. Each job goes through the
model (``parse_job``, what the sender worker runs), the schema file with Python's
``jsonschema`` and the schema file with ``ajv`` in Node (``examples/node/validate.mjs``, what
a Node producer runs before publishing). The three must agree with the table on every job.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from schemas.addresses import MAILBOX_PATTERN, parse_mailbox
from schemas.export import JOB_SCHEMA_FILE
from schemas.job import FORMATS_ONLY, UNEXPRESSED, JobRejected, Mailbox, parse_job

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((Path(__file__).parent / "job_cases.json").read_text(encoding="utf-8"))
NODE_EXAMPLES = ROOT / "examples" / "node"
MAILBOXES = TypeAdapter(list[Mailbox], config={"strict": True})


def _expand(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"repeat"}:
        text, count, *tail = value["repeat"]
        return str(text) * int(count) + "".join(tail)
    if isinstance(value, dict) and set(value) == {"repeat-item"}:
        item, count = value["repeat-item"]
        return [_expand(item) for _ in range(int(count))]
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


def build(case: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = copy.deepcopy(TABLE["base"])
    job.update(_expand(case.get("set", {})))
    for name in case.get("unset", []):
        del job[name]
    return job


def encode(job: dict[str, Any]) -> str:
    return json.dumps(job, ensure_ascii=False)


def model_accepts(job: dict[str, Any]) -> bool:
    try:
        parse_job(encode(job).encode("utf-8"))
    except JobRejected:
        return False
    return True


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(JOB_SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def ajv_verdicts(jobs: list[dict[str, Any]]) -> list[bool]:
    """ajv's verdict on each job, from the Node example validator (one JSON line a job)."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the ajv side of the table"
    assert (NODE_EXAMPLES / "node_modules" / "ajv").is_dir(), (
        "examples/node has no node_modules: run 'make node-deps' (make test does)"
    )
    lines = "".join(encode(job) + "\n" for job in jobs)
    done = subprocess.run(
        [node, str(NODE_EXAMPLES / "validate.mjs"), str(JOB_SCHEMA_FILE)],
        input=lines.encode("utf-8"),
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode(errors="replace")
    verdicts = [json.loads(line)["valid"] for line in done.stdout.decode().splitlines()]
    assert len(verdicts) == len(jobs), done.stderr.decode(errors="replace")
    return verdicts


def test_the_table_has_forty_cases_each_naming_its_rule() -> None:
    cases = TABLE["cases"]
    assert len(cases) >= 40
    assert all(case["rule"] for case in cases)
    assert len({case["rule"] for case in cases}) == len(cases), "two cases name the same rule"
    assert {True, False} == {case["valid"] for case in cases}


@pytest.fixture(scope="module")
def verdicts(schema_validator: jsonschema.Draft202012Validator) -> list[dict[str, bool]]:
    jobs = [build(case) for case in TABLE["cases"]]
    ajv = ajv_verdicts(jobs)
    return [
        {
            "model": model_accepts(job),
            "jsonschema": schema_validator.is_valid(job),
            "ajv": by_ajv,
        }
        for job, by_ajv in zip(jobs, ajv, strict=True)
    ]


def test_model_jsonschema_and_ajv_agree_with_the_table_on_every_job(
    verdicts: list[dict[str, bool]],
) -> None:
    wrong = [
        f"{case['rule']}: expected {'valid' if case['valid'] else 'invalid'}, got {verdict}"
        for case, verdict in zip(TABLE["cases"], verdicts, strict=True)
        if set(verdict.values()) != {case["valid"]}
    ]
    assert wrong == []


def test_what_the_schema_cannot_state_is_refused_by_the_model_alone(
    schema_validator: jsonschema.Draft202012Validator,
) -> None:
    cases = TABLE["beyond_schema"]
    assert len(cases) == len(UNEXPRESSED) - 1  # the 48 MiB message limit is not in the table
    jobs = [build(case) for case in cases]
    assert [model_accepts(job) for job in jobs] == [False] * len(jobs)
    assert [schema_validator.is_valid(job) for job in jobs] == [True] * len(jobs)
    assert ajv_verdicts(jobs) == [True] * len(jobs)


def test_the_schema_states_what_it_cannot_check() -> None:
    description = json.loads(JOB_SCHEMA_FILE.read_text(encoding="utf-8"))["description"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in (*UNEXPRESSED, *FORMATS_ONLY):
        assert rule in description
        assert rule in readme


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(MAILBOX_PATTERN, fullmatch=True).filter(lambda a: 3 <= len(a) <= 320))
def test_every_address_the_schema_pattern_accepts_the_model_accepts(address: str) -> None:
    # The other way round holds by construction: the model checks the pattern too. The one
    # exception is a rule of UNEXPRESSED: a non-ASCII domain that IDNA refuses.
    domain = parse_mailbox(address)[1].rpartition("@")[2]
    try:
        assert MAILBOXES.validate_python([address]) == [address]
    except ValidationError as refused:
        assert not domain.isascii()
        assert "is not a valid international domain name" in str(refused)
