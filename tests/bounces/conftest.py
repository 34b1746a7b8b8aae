"""Fixtures of the bounce worker's tests: a migrated database, and one IMAP folder per test
(with its own Processed / Unparsed / NotBounces sub-folders) on the real Dovecot."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from imapclient import IMAPClient

from tests import services
from tests.bounces.mails import EVENT_DOMAIN, SECRET
from workers.bounces.imap import ImapFolders, ImapSource, log_in
from workers.bounces.imap_url import ImapTarget, ImapTls, parse_imap_url
from workers.bounces.source import Destination
from workers.demo import local


@pytest.fixture(scope="session")
def imap_server(_stack: ExitStack) -> tuple[str, Path | None]:
    found: tuple[str, Path | None] = _stack.enter_context(services.imap_service())
    return found


@dataclass
class ImapBox:
    """A test's own folder in the event mailbox, and its destination folders."""

    target: ImapTarget
    ca_file: str | None
    folders: ImapFolders

    @property
    def folder(self) -> str:
        return self.target.folder

    @property
    def url(self) -> str:
        scheme = "imaps" if self.target.tls is ImapTls.IMPLICIT else "imap"
        user = quote(self.target.username, safe="")
        password = quote(self.target.password, safe="")
        return urlunsplit(
            (
                scheme,
                f"{user}:{password}@{self.target.host}:{self.target.port}",
                "/" + quote(self.folder),
                "",
                "",
            )
        )

    def env(self) -> dict[str, str]:
        env = {
            "IMAP_URL": self.url,
            "IMAP_PROCESSED_FOLDER": self.folders.processed,
            "IMAP_UNPARSED_FOLDER": self.folders.unparsed,
            "IMAP_NOT_BOUNCES_FOLDER": self.folders.not_bounces,
            "ERPMAIL_SECRET_KEY": SECRET,
            "EVENT_DOMAIN": EVENT_DOMAIN,
        }
        if self.ca_file:
            env["IMAP_CA_FILE"] = self.ca_file
        return env

    def client(self) -> IMAPClient:
        return log_in(self.target, self.ca_file)

    def append(self, *mails: bytes) -> None:
        client = self.client()
        try:
            for mail in mails:
                client.append(self.folder, mail)
        finally:
            client.logout()

    def counts(self) -> dict[str, int]:
        """How many mails each folder holds: the source and the three destinations."""
        client = self.client()
        try:
            names = {
                "source": self.folder,
                "processed": self.folders.processed,
                "unparsed": self.folders.unparsed,
                "not_bounces": self.folders.not_bounces,
            }
            found: dict[str, int] = {}
            for name, folder in names.items():
                status = (
                    client.folder_status(folder, ["MESSAGES"])
                    if client.folder_exists(folder)
                    else {b"MESSAGES": 0}
                )
                found[name] = int(status[b"MESSAGES"])
            return found
        finally:
            client.logout()

    def filed_mails(self) -> list[bytes]:
        """The bytes of every mail in the destination folders, as the server hands them out
        (Dovecot stores a NUL byte as 0x80, and IMAP lines end in CRLF)."""
        client = self.client()
        try:
            found: list[bytes] = []
            for folder in {self.folders.of(d) for d in Destination}:
                client.select_folder(folder, readonly=True)
                uids = client.search()
                if uids:
                    data = client.fetch(uids, ["BODY.PEEK[]"])
                    found += [data[uid][b"BODY[]"] for uid in uids]
            return found
        finally:
            client.logout()

    def source(self) -> ImapSource:
        return ImapSource(self.target, self.folders, ca_file=self.ca_file)


def make_box(url: str, ca: Path | None, folder: str) -> ImapBox:
    base = parse_imap_url(url)
    target = ImapTarget(base.host, base.port, base.tls, base.username, base.password, folder=folder)
    folders = ImapFolders(f"{folder}/Processed", f"{folder}/Unparsed", f"{folder}/NotBounces")
    return ImapBox(target, str(ca) if ca else None, folders)


def _delete_tree(box: ImapBox) -> None:
    client = box.client()
    try:
        for _flags, _sep, name in sorted(client.list_folders(box.folder), key=lambda f: -len(f[2])):
            client.delete_folder(name)
    finally:
        client.logout()


@pytest.fixture
def imap_box(imap_server: tuple[str, Path | None]) -> Iterator[ImapBox]:
    """A fresh folder ``t-<hex>`` for this test alone, deleted afterwards."""
    url, ca = imap_server
    box = make_box(url, ca, f"t-{uuid.uuid4().hex[:12]}")
    client = box.client()
    try:
        client.create_folder(box.folder)
    finally:
        client.logout()
    try:
        yield box
    finally:
        _delete_tree(box)


def starttls_url(url: str) -> str | None:
    """The STARTTLS twin of the local Dovecot's IMAPS URL, or None for another server."""
    if url != local.LOCAL_IMAP_URL:
        return None
    parts = urlsplit(url)
    return urlunsplit(("imap", parts.netloc.replace(":10993", ":10143"), parts.path, "", ""))
