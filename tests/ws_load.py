"""WebSocket clients that read everything, in a process of their own, for load tests.

`python -m tests.ws_load URL COUNT SECONDS`: opens COUNT aiohttp WebSockets to URL, prints
"ready" once all are open, reads (and answers pings, as any WebSocket client does) for
SECONDS, then prints one JSON line: messages a second over the last SECONDS - 2 s (once
every client is reading), and how many were still open.
"""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp


async def read_all(ws: aiohttp.ClientWebSocketResponse, counts: list[int]) -> None:
    async for message in ws:
        if message.type == aiohttp.WSMsgType.TEXT:
            counts[0] += 1


async def main(url: str, count: int, seconds: float) -> None:
    counts = [0]
    async with aiohttp.ClientSession() as session:
        sockets, readers = [], []
        for _ in range(count):
            sockets.append(await session.ws_connect(url))
            readers.append(asyncio.create_task(read_all(sockets[-1], counts)))
        print("ready", flush=True)
        await asyncio.sleep(2)  # what queued up while the others connected is read by now
        before = counts[0]
        await asyncio.sleep(seconds - 2)
        per_second = (counts[0] - before) / (seconds - 2)
        still_open = sum(not ws.closed for ws in sockets)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for ws in sockets:
            await ws.close()
    print(json.dumps({"per_second": per_second, "open": still_open}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
