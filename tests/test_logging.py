"""The log never carries a secret: secret-sounding keys, URL passwords, registered secrets."""

from __future__ import annotations

import base64
import json
import logging
import random
import string
from typing import Any

import pika
import pika.exceptions
import pytest
import structlog

import workers.logging
from schemas.values import TlsMode
from workers.config.secrets import PasswordBox
from workers.logging import (
    REDACTED,
    configure_logging,
    get_logger,
    log_context,
    mask_secrets,
    redact_secrets,
    register_secret,
)
from workers.smtp.endpoint import SmtpEndpoint


def redacted(**event: Any) -> dict[str, Any]:
    return dict(redact_secrets(None, "info", dict(event)))


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "smtp_password",
        "smtp_password_encrypted",
        "secret",
        "api_key",
        "token",
        "credentials",
        "PASSWORD",
    ],
)
def test_values_under_secret_sounding_keys_are_masked(key: str) -> None:
    assert redacted(**{key: "hunter2-value"})[key] == REDACTED


def test_nested_values_and_urls_are_masked_and_the_rest_kept() -> None:
    event = redacted(
        event="connect",
        job_id="j-1",
        options={"host": "smtp.acme.ee", "auth": {"password": "in-a-dict"}},
        urls=["amqp://guest:broker-pw@127.0.0.1:5672/%2F", "imaps://events:imap-pw@h:993/INBOX"],
        empty_password="",
    )
    assert event["job_id"] == "j-1" and event["options"]["host"] == "smtp.acme.ee"
    assert event["options"]["auth"]["password"] == REDACTED
    assert event["urls"] == [
        f"amqp://guest:{REDACTED}@127.0.0.1:5672/%2F",
        f"imaps://events:{REDACTED}@h:993/INBOX",
    ]
    assert event["empty_password"] == "", "an empty value hides nothing"


def test_a_decrypted_password_is_masked_in_any_text() -> None:
    box = PasswordBox("logging-test-key")
    token = box.encrypt("Decrypted-Only-Once-42")
    assert box.decrypt(token) == "Decrypted-Only-Once-42"
    event = redacted(error="535 login failed for mari with Decrypted-Only-Once-42 (bad)")
    assert event["error"] == f"535 login failed for mari with {REDACTED} (bad)"
    assert "logging-test-key" not in redacted(note="key=logging-test-key")["note"]


def test_the_configured_logger_writes_no_secret(capsys: pytest.CaptureFixture[str]) -> None:
    box = PasswordBox("logging-test-key")
    password = box.decrypt(box.encrypt("Another-Secret-77"))
    configure_logging("json", "debug")
    endpoint = SmtpEndpoint("smtp.acme.ee", 587, TlsMode.STARTTLS, "mari", password)
    log = get_logger(job_id="j-2")
    log.info("smtp.login", endpoint=endpoint, password=password, detail=f"pw {password}")
    try:
        raise RuntimeError(f"server said no to {password}")
    except RuntimeError:
        log.exception("smtp.failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == ["smtp.login", "smtp.failed"]
    assert all(line["job_id"] == "j-2" for line in lines)
    assert "Another-Secret-77" not in json.dumps(lines)
    assert "server said no to ***" in lines[1]["exception"]


def test_short_values_are_not_registered() -> None:
    """A process-wide mask of a short value would blot out ordinary words everywhere; a short
    password is masked in the replies of its own session (tests/sender/test_echoed_secrets)."""
    register_secret("abcd")
    assert redacted(note="abcd efgh")["note"] == "abcd efgh"


def test_a_sessions_password_is_masked_whatever_its_length() -> None:
    reply = "535 5.7.8 password q7Z is wrong for https://u:pw-in-url@mx.example/"
    masked = "535 5.7.8 password *** is wrong for https://u:***@mx.example/"
    assert mask_secrets(reply, "q7Z") == masked
    assert mask_secrets(reply, None) == mask_secrets(reply)


def test_a_sessions_password_is_masked_as_the_client_sent_it_in_base64() -> None:
    """A server may echo AUTH PLAIN's token (RFC 4616: NUL, username, NUL, password) or AUTH
    LOGIN's answer, which carry the password in base64 (the plain password was masked, its
    encoding was printed by config test and stored with the failure)."""
    password = "S3cret-Passw0rd!"
    plain = base64.b64encode(f"\0mari@acme.ee\0{password}".encode()).decode()
    with_authzid = base64.b64encode(f"mari\0mari@acme.ee\0{password}".encode()).decode()
    login = base64.b64encode(password.encode()).decode()
    reply = f"535 5.7.8 bad token {plain} or x{with_authzid}; AUTH LOGIN {login} (q7Z)"
    masked = mask_secrets(reply, password, "q7Z")
    assert masked == "535 5.7.8 bad token *** or ***; AUTH LOGIN *** (***)"
    # base64 that holds no secret stays as it was
    queued = "250 2.0.0 Ok: queued as 4XyZ12AbCdE= " + base64.b64encode(b"hello world").decode()
    assert mask_secrets(queued, password) == queued


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_a_librarys_exception_is_one_line_below_debug(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """pika logs a traceback with each broker connection it fails to open ('Error in
    _create_connection()'), which the worker handles and words itself: the worker's
    stderr showed one per attempt. A library's exception is its type and text on the line;
    at debug, and for our own lines, the traceback stays."""

    def log_failure() -> None:
        try:
            raise ConnectionError("ACCESS_REFUSED - Login was refused")
        except ConnectionError:
            logging.getLogger("pika.adapters.blocking_connection").exception("Error in connect")
            get_logger().exception("ours.failed")

    configure_logging(fmt, "info")
    log_failure()
    library, ours = capsys.readouterr().err.split("Error in connect")[1].split("ours.failed")
    assert "Traceback" not in library and "ConnectionError: ACCESS_REFUSED" in library
    assert "Traceback" in ours
    configure_logging(fmt, "debug")
    log_failure()
    assert capsys.readouterr().err.count("Traceback") == 2


def test_library_lines_go_through_the_same_pipeline_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """pika's own lines (a connection refused) and a pika warning naming the broker URL come
    out as JSON lines like ours, the URL's password masked, carrying the bound context."""
    configure_logging("json", "info")
    url = "amqp://guest:Pika-Broker-Secret@127.0.0.1:1/%2F?connection_attempts=1"
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(pika.URLParameters(url))
    with log_context(job_id="j-3", tenant="acme"):
        logging.getLogger("pika.adapters.blocking_connection").warning(
            "Connection to %s lost; reconnecting", url
        )
    output = capsys.readouterr().err
    assert "Pika-Broker-Secret" not in output
    lines = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    pika_errors = [line for line in lines if line.get("logger", "").startswith("pika")]
    assert any(line["level"] == "error" for line in pika_errors), "pika's own failure lines"
    (warning,) = [line for line in lines if line["level"] == "warning" and "job_id" in line]
    assert warning["event"] == (
        f"Connection to amqp://guest:{REDACTED}@127.0.0.1:1/%2F?connection_attempts=1 lost; "
        "reconnecting"
    )
    assert (warning["logger"], warning["job_id"], warning["tenant"]) == (
        "pika.adapters.blocking_connection",
        "j-3",
        "acme",
    )
    assert all("timestamp" in line for line in lines)


def test_library_chatter_below_warning_is_dropped_unless_debugging(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json", "info")
    logging.getLogger("pika.connection").info("Closing connection")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade a -> b")
    assert [json.loads(line)["logger"] for line in capsys.readouterr().err.splitlines()] == [
        "alembic.runtime.migration"
    ]
    configure_logging("json", "debug")
    logging.getLogger("pika.connection").info("Closing connection")
    assert json.loads(capsys.readouterr().err)["event"] == "Closing connection"


@pytest.fixture
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty registry of secrets for the test, the process's own put back after it."""
    monkeypatch.setattr(workers.logging, "_known_secrets", {})
    monkeypatch.setattr(workers.logging, "_secret_grams", {})
    monkeypatch.setattr(workers.logging, "_masked", {})


@pytest.mark.usefixtures("fresh_secrets")
def test_a_secret_registered_after_many_others_is_masked_and_so_are_they() -> None:
    others = [f"Earlier-Secret-{n:04d}" for n in range(600)]
    for secret in others:
        register_secret(secret)
    register_secret("Latest-Pw-x9")
    line = f"535 no for Latest-Pw-x9, {others[0]} and {others[-1]}; Latest-Pw-x9 again"
    assert redacted(reply=line)["reply"] == "535 no for ***, *** and ***; *** again"
    assert redacted(reply="Earlier-Secret-06")["reply"] == "Earlier-Secret-06", "not a secret"


@pytest.mark.usefixtures("fresh_secrets")
@pytest.mark.parametrize("others", [0, 40], ids=["few secrets", "many secrets"])
def test_a_secret_inside_or_across_another_leaves_no_part_of_either(others: int) -> None:
    """A few secrets are searched for one by one, many through an index: both mask alike."""
    for n in range(others):
        register_secret(f"Unrelated-{n:03d}")
    for secret in ["Prefix-Pw", "Prefix-Pw-Longer", "abcdefgh12", "gh12ijklmn", "Inner-7"]:
        register_secret(secret)
    cases = {
        "Prefix-Pw-Longer.": "***.",  # the shorter one is a prefix of the longer
        "Prefix-Pw.": "***.",
        "[abcdefgh12ijklmn]": "[***]",  # two secrets overlapping in the text
        "Outer-Inner-7-Outer": "Outer-***-Outer",
        "Inner-7Inner-7 Inner-": "****** Inner-",  # side by side, and a part alone is kept
        "Prefix-P": "Prefix-P",
    }
    assert {line: mask_secrets(line) for line in cases} == cases


@pytest.mark.usefixtures("fresh_secrets")
def test_a_value_logged_before_its_secret_was_registered_is_masked_after() -> None:
    """A log line's values are masked once each while the registered secrets stay the same:
    registering one makes every value be looked at again."""
    reply = "535 5.7.8 Authentication failed for Fresh-Pw-42"
    assert redacted(reply=reply)["reply"] == reply
    assert redacted(reply=reply)["reply"] == reply  # (the second time from what was masked)
    register_secret("Fresh-Pw-42")
    assert redacted(reply=reply)["reply"] == "535 5.7.8 Authentication failed for ***"
    assert redacted(reply=[reply])["reply"] == ["535 5.7.8 Authentication failed for ***"]


@pytest.mark.usefixtures("fresh_secrets")
def test_values_masked_so_far_are_let_go_when_there_are_too_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers.logging, "MAX_MASKED", 3)
    register_secret("Kept-Secret-1")
    lines = [f"line {n} Kept-Secret-1" for n in range(10)]
    assert [redacted(reply=line)["reply"] for line in lines] == [f"line {n} ***" for n in range(10)]
    assert len(workers.logging._masked) <= 3
    long_line = "x" * workers.logging.MAX_MASKED_LENGTH + " Kept-Secret-1"
    assert redacted(reply=long_line)["reply"] == "x" * workers.logging.MAX_MASKED_LENGTH + " ***"
    assert long_line not in workers.logging._masked


@pytest.mark.usefixtures("fresh_secrets")
def test_the_oldest_secret_is_forgotten_when_the_registry_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers.logging, "MAX_KNOWN_SECRETS", 20)
    secrets = [f"Shared-Piece-{n:02d}" for n in range(21)]
    for secret in secrets:
        register_secret(secret)
    assert mask_secrets(" ".join(secrets[:3])) == "Shared-Piece-00 *** ***"
    assert mask_secrets(secrets[-1]) == REDACTED


@pytest.mark.usefixtures("fresh_secrets")
@pytest.mark.parametrize("others", [0, 40], ids=["few secrets", "many secrets"])
def test_a_sessions_short_password_inside_a_registered_secret_leaves_no_part_of_it(
    others: int,
) -> None:
    """The session's password and the registered secrets are found together: replacing the
    short one first broke the longer one's match and printed the rest of it."""
    for n in range(others):
        register_secret(f"Unrelated-{n:03d}")
    register_secret("abcdefgh12")
    assert mask_secrets("535 [abcdefgh12] refused", "def") == "535 [***] refused"
    assert mask_secrets("535 [abcdefgh12] and def", "def") == "535 [***] and ***"
    assert mask_secrets("535 [cdefgh12xy]", "abcde", "cdefgh12xy") == "535 [***]"


def test_base64_is_looked_for_only_where_it_may_be_without_missing_any() -> None:
    """The base64 of a password is looked for by decoding only in replies that hold the
    base64 of its whole 3-byte groups: at every offset, glued to letters or not, the
    password in base64 is found as when every run was decoded."""
    chooser = random.Random(17)
    alphabet = string.ascii_letters + string.digits + "+/"
    for password in ("Pw1234", "S3cret-Passw0rd!", "ÕunaPuu-7", "abcde"):
        for offset in range(7):
            data = bytes(chooser.randrange(256) for _ in range(offset)) + password.encode()
            data += bytes(chooser.randrange(256) for _ in range(chooser.randrange(4)))
            run = base64.b64encode(data).decode()
            glued = "".join(chooser.choice(alphabet) for _ in range(offset % 4))
            reply = f"535 5.7.8 bad {glued}{run} end"
            assert REDACTED in mask_secrets(reply, password), (password, offset, reply)
            assert mask_secrets(reply, password).startswith("535 5.7.8 bad "), reply
    # and one that holds none of it is left as it was, encoded parts and all
    reply = "250 2.0.0 OK 1733550000 d9443c01a7336-2164a1a0d4bsi123 - gsmtp " + "QUJD" * 5
    assert mask_secrets(reply, "S3cret-Passw0rd!") == reply


def test_a_log_context_gives_back_what_was_bound_before_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nested blocks (the bounce worker's mail, then its job): inside, the inner values;
    after each, the outer ones again, and a key bound by no block is gone, also when the
    block ends with an error or rebinds a key itself."""
    configure_logging("json", "info")
    log = get_logger()
    with log_context(mail="m-1", job_id="outer"):
        with pytest.raises(RuntimeError), log_context(job_id="inner", tenant="acme"):
            log.info("inside")
            structlog.contextvars.bind_contextvars(tenant="rebound")
            raise RuntimeError
        log.info("after_inner")
    log.info("after_outer")
    lines = {line["event"]: line for line in map(json.loads, capsys.readouterr().err.splitlines())}
    context = ("mail", "job_id", "tenant")
    assert [[line.get(key) for key in context] for line in lines.values()] == [
        ["m-1", "inner", "acme"],
        ["m-1", "outer", None],
        [None, None, None],
    ]
