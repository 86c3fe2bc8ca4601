"""Limits that keep one server up under bad or heavy traffic: request body size, and concurrent searches."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body passed the byte limit while it was being read."""


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with 413, before they are read whole.

    A ``Content-Length`` over the limit is answered at once; a body without one (chunked) is counted as it
    arrives and the read fails with :class:`BodyTooLarge` at the first byte past the limit, which the app
    answers with 413 (see :func:`sbkit.serve.app.create_app`).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.max_bytes:
                await _send_json(send, 413 if declared > self.max_bytes else 400,
                                 {"error": "too_large" if declared > self.max_bytes else "bad_request",
                                  "detail": self.message() if declared > self.max_bytes else
                                  "the Content-Length header is not a number"})
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.message())
            return message

        await self.app(scope, counted, send)

    def message(self) -> str:
        return (f"the request is larger than the {self.max_bytes:,}-byte upload limit; send a smaller drawing "
                "(a PNG of the canvas is far below it)")


async def _send_json(send: Send, status: int, payload: dict[str, str]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SearchGate:
    """At most ``limit`` searches admitted at once (running or waiting for a worker); the rest are turned away.

    Used from the event loop only, so a plain counter is enough.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def enter(self) -> bool:
        if self.active >= self.limit:
            return False
        self.active += 1
        return True

    def leave(self) -> None:
        self.active -= 1
