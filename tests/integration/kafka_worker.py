"""A consumer process for the redelivery test: it blocks forever on one session.

Usage: python -m tests.integration.kafka_worker BOOTSTRAP GROUP SESSION_ID MARKER_FILE
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from runtime.bus.kafka import KafkaBus
from runtime.bus.port import Subscription
from schemas import SessionRequested


async def main(bootstrap: str, group: str, session_id: str, marker: Path) -> None:
    bus = KafkaBus(bootstrap, client_id="worker", session_timeout_ms=6000)

    async def handle(event: SessionRequested) -> None:
        if event.sessionid == session_id:
            marker.write_text(event.id)
            await asyncio.sleep(3600)  # "crash" mid-message: the test kills us here

    bus.subscribe(Subscription(SessionRequested, group, handle))
    await bus.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
