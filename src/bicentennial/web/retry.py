"""Reads that lost a race with a writer are done again, once the writer has committed.

On SQLite a request that reads, then writes (a page that records its audit entry), fails with a
conflict when another connection — a background hotspot run recording its progress, say — committed
in between. A GET changes nothing the user asked for, so it is simply run again on a fresh snapshot.
POSTs and every other method are never repeated. Responses pass straight through unless their
status is 409, so large downloads are not held in memory.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READ_RETRIES = 6


class RetryConflictingReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        for attempt in range(READ_RETRIES + 1):
            if await self._attempt(scope, receive, send, last=attempt == READ_RETRIES):
                return
            await anyio.sleep(0.05 * (attempt + 1))  # let the writer that won the race finish first

    async def _attempt(self, scope: Scope, receive: Receive, send: Send, *, last: bool) -> bool:
        """Run the request once; True when its response went out (anything but a 409, or the last try)."""
        state: dict[str, Any] = {"passing": False, "body_sent": False}

        async def receive_again() -> Message:
            if not state["body_sent"]:  # a GET has no body: each attempt gets the same empty one
                state["body_sent"] = True
                return {"type": "http.request", "body": b"", "more_body": False}
            while True:  # afterwards only the client's disconnect matters; its (empty) body was given above
                message = await receive()
                if message["type"] != "http.request":
                    return message

        async def send_or_drop(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["passing"] = message["status"] != 409 or last
            if state["passing"]:
                await send(message)

        await self.app(scope, receive_again, send_or_drop)
        return bool(state["passing"])
