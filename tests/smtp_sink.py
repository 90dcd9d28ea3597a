"""A local SMTP server for tests (aiosmtpd in a thread) that counts what it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SinkHandler:
    def __init__(self, delay: float, refuse: dict[str, str]) -> None:
        self.delay = delay
        self.refuse = {address.lower(): reply for address, reply in refuse.items()}
        self.lock = threading.Lock()
        self.deliveries: Counter[str] = Counter()
        self.messages: list[bytes] = []
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Counted at once and answered after the delay, as a real server queues the mail
        # before it answers "250": a client that dies while waiting for the answer has still
        # delivered the mail.
        with self.lock:
            for address in envelope.rcpt_tos:
                self.deliveries[address.lower()] += 1
            self.messages.append(envelope.content)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted"


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; point EMAIL_HOST/EMAIL_PORT at sink.port."""

    def __init__(self, *, delay: float = 0.0, refuse: dict[str, str] | None = None) -> None:
        self.handler = SinkHandler(delay, refuse or {})
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.controller.stop()

    @property
    def deliveries(self) -> Counter[str]:
        with self.handler.lock:
            return Counter(self.handler.deliveries)

    @property
    def sessions(self) -> int:
        with self.handler.lock:
            return self.handler.sessions

    def total(self) -> int:
        return sum(self.deliveries.values())

    def parsed(self) -> list[EmailMessage]:
        with self.handler.lock:
            raw = list(self.handler.messages)
        return [message_from_bytes(data, policy=policy.default) for data in raw]
