"""Fire-and-forget work of a reference DUT: follow-ups, timers, background requests.

asyncio keeps only weak references to tasks, so a task nobody holds may vanish mid-way, and
an exception in one nobody awaits is reported late or never. Every simulator part that
spawns work (the stations, the CSMS, each link) keeps it here: referenced until done, a
crash logged when it happens, all of it cancelled at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator


class BackgroundTasks:
    def __init__(self, log: logging.Logger, owner: str) -> None:
        self._log = log
        self._owner = owner
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error("%s task failed", self._owner, exc_info=task.exception())

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[asyncio.Task[None]]:
        """The tasks still running (a snapshot: they remove themselves when done)."""
        return iter(list(self._tasks))
