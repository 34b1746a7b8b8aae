"""The smaller three of issue 12, point 9.

- With the key missing or wrong, the advice was "store it again with config set", which
  `config set` refuses too when the key is missing; the fix now names what to do.
- After a short database blip the bounce worker sat idle for half a minute: its backoff
  grew to the 60 s of a mailbox outage. A database is probed again within seconds.
- Key rotation: the old key must stay (after the new one) until bounces for mail sent under
  it stop arriving, or their VERP tags and recipient digests no longer verify.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.bounces import mails
from tests.bounces.test_worker_maildir import make_maildir
from workers.bounces.maildir import MaildirSource
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.worker import DATABASE_RETRY_CAP, BounceWorker
from workers.cli.main import cli
from workers.settings import BounceSettings
from workers.store import migrate
from workers.store.engine import make_engine

CARD = ["--email", "mari@acme.ee", "--host", "smtp.acme.ee", "--port", "587", "--tls"]


def config(key: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(
        cli, ["config", *args, "--tenant", "acme"], input=input, env={"ERPMAIL_SECRET_KEY": key}
    )


@pytest.fixture
def stored_password(erpmail_env: dict[str, str]) -> None:
    migrate.upgrade(erpmail_env["DATABASE_URL"])
    card = [*CARD, "starttls", "--username", "mari@acme.ee", "--password-stdin"]
    stored = config("key-A", "set", "MARI", *card, input="pw-Secret-1\n")
    assert stored.exit_code == 0, stored.output


def test_without_the_key_the_advice_is_to_set_it(stored_password: None) -> None:
    result = config("", "resolve", "MARI")
    assert result.exit_code != 0
    assert "set ERPMAIL_SECRET_KEY" in result.output, result.output
    assert "store it again" not in result.output  # config set refuses without a key too
    refused = config("", "set", "MARI", "--password-stdin", input="pw-Secret-2\n")
    assert refused.exit_code != 0


def test_with_a_wrong_key_the_advice_is_to_put_the_old_one_back(stored_password: None) -> None:
    result = config("key-B", "resolve", "MARI")
    assert result.exit_code != 0
    assert "rotate-key" in result.output and "key-A" not in result.output, result.output


def test_the_rotation_help_says_to_keep_the_old_key_while_bounces_come() -> None:
    result = CliRunner().invoke(cli, ["config", "rotate-key", "--help"])
    assert "until bounces" in " ".join(result.output.split())


def test_the_bounce_worker_probes_an_absent_database_within_seconds(tmp_path: Path) -> None:
    """A database that does not answer (nothing listens on port 1): the worker backs off,
    but never longer than DATABASE_RETRY_CAP, so that it resumes soon after a blip."""
    engine = make_engine("postgresql+psycopg2://postgres@127.0.0.1:1/erpmail")
    root = make_maildir(tmp_path / "Maildir", {"1.eml": mails.dsn(None, "juri@example.ee")})
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) >= 10:
            worker.stop()

    worker = BounceWorker(
        MaildirSource(root),
        BouncePipeline(engine, BounceSettings(), mails.SECRET),
        engine,
        None,
        poll_seconds=1,
        max_message_bytes=1024 * 1024,
        sleep=sleep,
    )
    worker.run()
    assert len(waits) == 10
    assert max(waits) <= DATABASE_RETRY_CAP <= 5
    assert (root / "new" / "1.eml").exists()  # the mail waits in the mailbox
