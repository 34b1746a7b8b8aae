"""SMTP configuration resolution (DESIGN.md, "SMTP configuration resolution"). Pure: no I/O.

1. The user's own complete server (host, port, TLS mode) is used whole.
2. Else the server of the user named by the tenant's *mail sending user code*, with the
   user's own username and password when set, else that global user's.
3. Else the platform default relay of the deployment.

Sender modes: ``own`` sends ``From:`` the user's address; ``reply_to`` sends
``From: <company name> <company_slug@EVENT_DOMAIN>`` with ``Reply-To:`` the user's address.
The envelope sender is the job's VERP address wherever erpmail controls it (the default
relay, reply-to mode), else the user's own address: the resolver says which
(``ResolvedConfig.verp``), the sender makes each job's address.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.headerregistry import Address

from schemas.addresses import AddressError, parse_mailbox
from schemas.values import SenderMode, TlsMode
from workers.config.cards import CompanySettings, UserCard
from workers.config.errors import (
    ConfigLoop,
    GlobalUserHasNoServer,
    GlobalUserNotFound,
    IncompleteServer,
    InvalidEmail,
    InvalidPort,
    InvalidSenderMode,
    InvalidTlsMode,
    MissingCompany,
    MissingEmail,
    PasswordUnreadable,
    PasswordWithoutUsername,
    UsernameWithoutPassword,
    UserNotFound,
)
from workers.config.presets import Preset, PresetBook
from workers.config.resolved import RateLimit, ResolvedConfig, Source, Tier
from workers.config.secrets import signing_key
from workers.settings import Settings
from workers.smtp.endpoint import SmtpEndpoint

ALLOWED_PORTS = (25, 465, 587)
NO_PRESETS = PresetBook()


@dataclass(frozen=True)
class _Server:
    host: str
    port: int
    tls: TlsMode
    verify_certificate: bool
    source: Source


@dataclass(frozen=True)
class _Login:
    username: str | None
    password: str | None
    source: Source


def _who(card: UserCard, role: Source) -> str:
    return f"the global user {card.user_code}" if role == Source.GLOBAL else card.user_code


def config_command(verb: str, tenant: str | None, user_code: str | None = None) -> str:
    """The start of an ``erpmail config`` command as a fix text prints it: with ``--tenant``,
    so that pasted with ERPMAIL_TENANT set to another tenant it still edits this one."""
    target = f" {user_code}" if user_code else ""
    return f"erpmail config {verb}{target} --tenant {tenant or 'TENANT'}"


def _set_command(card: UserCard) -> str:
    return config_command("set", card.tenant, card.user_code)


def tls_mode(value: str, where: str, fix: str) -> TlsMode:
    try:
        return TlsMode(value.strip().lower())
    except ValueError:
        raise InvalidTlsMode(
            f"{where} has TLS mode {value!r}; the modes are none, ssl (implicit TLS, port 465) "
            "and starttls (ports 587 and 25)",
            fix=fix,
        ) from None


def check_card(card: UserCard, role: Source = Source.USER) -> None:
    """Raise the first problem of a card on its own (without the other tiers)."""
    who = _who(card, role)
    fix_base = _set_command(card)
    if card.has_part_of_server and not card.has_server:
        missing = ", ".join(name for name, value in card.server_fields.items() if not value)
        raise IncompleteServer(
            f"{who} has part of an SMTP server configured but no {missing}",
            fix=f"set host, port and TLS mode together ({fix_base} --host H --port P --tls T, "
            "or --provider NAME), or clear them to use the company-wide server",
        )
    if card.has_server:
        assert card.port is not None and card.tls is not None
        if card.port not in ALLOWED_PORTS:
            raise InvalidPort(
                f"{who} has SMTP port {card.port}; erpmail sends only on ports 25, 465 and 587",
                fix=f"{fix_base} --port 587 (STARTTLS) or --port 465 (implicit TLS)",
            )
        tls_mode(card.tls, f"{who}'s SMTP server", f"{fix_base} --tls starttls (or ssl, none)")
    if card.has_password and not card.username:
        raise PasswordWithoutUsername(
            f"{who} has an SMTP password but no username to log in with",
            fix=f"{fix_base} --username ADDRESS, or clear the password (--clear-password) "
            "if the server needs no login",
        )
    if card.username and not card.has_password:
        raise UsernameWithoutPassword(
            f"{who} has the SMTP username {card.username!r} but no password",
            fix=f"{fix_base} --password-prompt, or clear the username (--clear-username) "
            "if the server needs no login",
        )
    try:
        SenderMode(card.sender_mode)
    except ValueError:
        raise InvalidSenderMode(
            f"{who} has sender mode {card.sender_mode!r}; the modes are own and reply_to",
            fix=f"{fix_base} --sender-mode own (or reply_to)",
        ) from None


def _server(card: UserCard, role: Source) -> _Server:
    assert card.host and card.port is not None and card.tls
    return _Server(
        host=card.host.strip(),
        port=card.port,
        tls=TlsMode(card.tls.strip().lower()),
        verify_certificate=card.verify_certificate,
        source=role,
    )


def _login(card: UserCard, role: Source) -> _Login:
    if card.password_problem is not None:
        raise PasswordUnreadable(
            f"the SMTP password of {_who(card, role)} cannot be used: {card.password_problem}",
            # the cause's own fix: a missing key is set (config set needs it too), a key
            # changed is put back; storing again is for a key that is lost
            fix=card.password_fix or f"store it again with {_set_command(card)} --password-prompt",
        )
    return _Login(card.username or None, card.password if card.username else None, role)


def _relay(settings: Settings) -> _Server:
    tls = tls_mode(
        settings.relay_tls, "ERPMAIL_RELAY_TLS", "set ERPMAIL_RELAY_TLS to none, ssl or starttls"
    )
    return _Server(settings.relay_host, settings.relay_port, tls, True, Source.DEFAULT)


def _choose(
    user: UserCard,
    global_user: UserCard | None,
    company: CompanySettings | None,
    settings: Settings,
) -> tuple[Tier, _Server, _Login, list[str]]:
    warnings: list[str] = []
    if user.has_server:
        return Tier.USER, _server(user, Source.USER), _login(user, Source.USER), warnings
    code = company.mail_sending_user_code if company else None
    tenant = user.tenant
    if code:
        if code == user.user_code:
            raise ConfigLoop(
                f"the mail sending user code names {code}, the sending user, who has no SMTP "
                "server of their own: the company-wide setting points back to itself",
                fix=f"give {code} a complete server ({config_command('set', tenant, code)} "
                "--provider NAME), or name another user with "
                f"{config_command('system', tenant)} --mail-sending-user CODE",
            )
        if global_user is None:
            raise GlobalUserNotFound(
                f"the mail sending user code names {code}, but {code} has no mail settings",
                fix=f"{config_command('set', tenant, code)} --host H --port P --tls T (with "
                "credentials), or name another user with "
                f"{config_command('system', tenant)} --mail-sending-user CODE",
            )
        check_card(global_user, Source.GLOBAL)
        if not global_user.has_server:
            raise GlobalUserHasNoServer(
                f"the mail sending user code names {code}, who has no SMTP server configured",
                fix=f"{config_command('set', tenant, code)} --host H --port P --tls T (or "
                "--provider NAME), or clear the setting with "
                f"{config_command('system', tenant)} --mail-sending-user ''",
            )
        server = _server(global_user, Source.GLOBAL)
        own_login = bool(user.username)
        login = _login(user, Source.USER) if own_login else _login(global_user, Source.GLOBAL)
        return Tier.GLOBAL, server, login, warnings
    if user.username:
        warnings.append(
            f"{user.user_code}'s own SMTP username and password are not used: there is no "
            "server to use them with (no own server, no company-wide user), so mail goes "
            "through the platform relay"
        )
    return Tier.DEFAULT, _relay(settings), _Login(None, None, Source.DEFAULT), warnings


def _provider(
    tier: Tier,
    user: UserCard,
    global_user: UserCard | None,
    server: _Server,
    presets: PresetBook,
    warnings: list[str],
) -> tuple[Preset | None, Source]:
    if tier == Tier.DEFAULT:
        return None, Source.DEFAULT
    card = user if tier == Tier.USER else global_user
    assert card is not None
    named = presets.get(card.provider)
    if card.provider and named is None and presets:
        warnings.append(
            f"provider preset {card.provider!r} is unknown; limits and hints "
            "come from the server name only"
        )
    if named is not None and named.serves(server.host):
        return named, server.source
    return presets.for_host(server.host), Source.DERIVED


def _rate_limit(
    cards: list[tuple[UserCard, Source]], preset: Preset | None
) -> tuple[RateLimit, Source]:
    """The provider's limits, each one a card sets replaced by the card's (the first card
    that sets any: the user's, else the company-wide user's)."""
    limits = preset.rate_limit if preset is not None else RateLimit()
    for card, source in cards:
        own = {
            "per_minute": card.rate_per_minute,
            "per_day": card.rate_per_day,
            "recipients_per_day": card.rate_recipients_per_day,
        }
        if any(value is not None for value in own.values()):
            return replace(limits, **{k: v for k, v in own.items() if v is not None}), source
    if limits != RateLimit():
        return limits, Source.PRESET
    return RateLimit(), Source.DEFAULT


def _server_warnings(server: _Server, login: _Login, tier: Tier) -> list[str]:
    warnings = []
    where = f"{server.host}:{server.port}"
    if server.tls == TlsMode.SSL and server.port == 587:
        warnings.append(
            f"{where}: implicit TLS (ssl) on port 587 is almost always a mistake; "
            "port 587 expects starttls"
        )
    if server.tls == TlsMode.STARTTLS and server.port == 465:
        warnings.append(
            f"{where}: starttls on port 465 is almost always a mistake; "
            "port 465 expects implicit TLS (ssl)"
        )
    if server.tls == TlsMode.NONE and login.username:
        warnings.append(f"{where}: TLS mode none sends the SMTP password in plain text")
    elif server.tls == TlsMode.NONE and tier != Tier.DEFAULT:
        warnings.append(f"{where}: TLS mode none sends mail in plain text")
    if not server.verify_certificate and server.tls != TlsMode.NONE:
        warnings.append(
            f"{where}: certificate verification is turned off; anyone on the path "
            "can read the password and mail"
        )
    return warnings


def server_warnings_of_card(card: UserCard, presets: PresetBook = NO_PRESETS) -> list[str]:
    """The warnings a card's own server earns (checked when the card is stored)."""
    warnings: list[str] = []
    if card.has_server:
        login = _Login(card.username or None, None, Source.USER)
        warnings.extend(_server_warnings(_server(card, Source.USER), login, Tier.USER))
    if card.provider and presets and presets.get(card.provider) is None:
        warnings.append(f"provider preset {card.provider!r} is unknown")
    return warnings


def _mailbox(user: UserCard) -> tuple[str, str]:
    if not user.email:
        mode = (
            "reply-to mode needs it for Reply-To"
            if user.sender_mode == SenderMode.REPLY_TO
            else "own mode sends From: that address"
        )
        raise MissingEmail(
            f"{user.user_code} has no e-mail address; {mode}",
            fix=f"{_set_command(user)} --email ADDRESS",
        )
    try:
        return parse_mailbox(user.email)
    except AddressError as exc:
        raise InvalidEmail(
            f"{user.user_code}'s e-mail address {exc}",
            fix=f"{_set_command(user)} --email ADDRESS",
        ) from None


def resolve(
    user: UserCard | None,
    global_user: UserCard | None,
    company: CompanySettings | None,
    settings: Settings,
    presets: PresetBook = NO_PRESETS,
) -> ResolvedConfig:
    """The effective SMTP configuration of one mail of ``user``.

    ``global_user`` is the card of the user named by ``company.mail_sending_user_code``
    (``None`` when no such card exists); ``settings`` gives the platform relay, the event
    domain and the key that signs the VERP envelope sender. Says whether VERP applies; the
    sender makes each job's address. Raises a
    :class:`~workers.config.errors.ConfigError` that says what is wrong and how to fix it.
    """
    if user is None:
        tenant = company.tenant if company else None
        raise UserNotFound(
            "the sending user has no mail settings"
            + (f" in tenant {company.tenant}" if company else ""),
            fix=f"store them with {config_command('set', tenant, 'USER')} --email ADDRESS",
        )
    check_card(user, Source.USER)
    tier, server, login, warnings = _choose(user, global_user, company, settings)
    _display_name, address = _mailbox(user)
    preset, provider_source = _provider(tier, user, global_user, server, presets, warnings)

    sources: dict[str, Source] = {
        "host": server.source,
        "port": server.source,
        "tls": server.source,
        "verify_certificate": server.source,
        "username": login.source,
        "password": login.source,
        "provider": provider_source,
    }
    mode = SenderMode(user.sender_mode)
    if mode == SenderMode.REPLY_TO:
        if company is None or not company.company_name or not company.company_slug:
            raise MissingCompany(
                f"{user.user_code} sends in reply-to mode, which needs the company's name and "
                "slug, and the tenant has no system settings with them",
                fix=f"{config_command('system', user.tenant)} --company-name NAME "
                "--company-slug SLUG",
            )
        from_header = str(
            Address(
                company.company_name, addr_spec=f"{company.company_slug}@{settings.event_domain}"
            )
        )
        reply_to: str | None = user.email
        sources.update(from_header=Source.SYSTEM, reply_to=Source.USER)
        if preset is not None and preset.from_must_match_account:
            warnings.append(
                f"{preset.name} accepts only the mailbox's own From address; "
                "reply-to mode's company From may be refused"
            )
    else:
        from_header = user.email or address
        reply_to = None
        sources.update(from_header=Source.USER, reply_to=Source.USER)
        mailbox = (login.username or "").lower()
        inherited = tier == Tier.GLOBAL and login.source == Source.GLOBAL and bool(mailbox)
        owned = address.lower() == mailbox
        if inherited and not owned and preset is not None and preset.from_must_match_account:
            warnings.append(
                f"{user.user_code} sends From {address} through the mailbox "
                f"{login.username} of the global user: {preset.name} refuses a From the "
                "mailbox does not own unless it has Send As permission for that address; "
                f"give {user.user_code} a login of their own ({_set_command(user)} "
                "--username ADDRESS --password-prompt), grant Send As, or use reply-to mode"
            )

    mail_from: str | None
    if tier == Tier.DEFAULT or mode == SenderMode.REPLY_TO:
        signing_key(settings.secret_key)  # the sender signs each job's address: no key, no mail
        mail_from = None
        sources["envelope_sender"] = Source.DERIVED
    else:
        mail_from = address
        sources["envelope_sender"] = Source.USER
    if preset is not None and preset.rewrites_envelope_sender:
        warnings.append(
            f"{preset.name} rewrites the envelope sender to the account: bounces "
            "go to the account's own mailbox, not to the event mailbox"
        )

    rate_cards = [(user, Source.USER)]
    if tier == Tier.GLOBAL and global_user is not None:
        rate_cards.append((global_user, Source.GLOBAL))
    rate_limit, sources["rate_limit"] = _rate_limit(rate_cards, preset)
    warnings.extend(_server_warnings(server, login, tier))

    return ResolvedConfig(
        tier=tier,
        endpoint=SmtpEndpoint(
            host=server.host,
            port=server.port,
            tls=server.tls,
            username=login.username,
            password=login.password,
            verify_certificate=server.verify_certificate,
            max_connections=preset.max_connections if preset else None,
        ),
        from_header=from_header,
        reply_to=reply_to,
        envelope_sender=mail_from,
        rate_limit=rate_limit,
        sources=sources,
        provider=preset.key if preset else None,
        warnings=tuple(warnings),
    )
