#!/usr/bin/env python3
"""Live-update fan-out: N displays hold /api/v1/live open on one node; one change is written to the
database (as another node would write it); prints how long until every display has the event.

usage: bench_live.py BASE_URL SQLITE_FILE [N]   (standard library only)
"""
import asyncio
import sqlite3
import sys
import time
import urllib.parse


async def display(host, port, ready, got, marker):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /api/v1/live?topics=bench HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise SystemExit(f"stream refused: {head[:200]!r}")
    ready.release()
    buf = b""
    while marker not in buf:
        chunk = await reader.read(4096)
        if not chunk:
            raise SystemExit("stream closed")
        buf += chunk
    got.append(time.monotonic())
    writer.close()


async def main():
    base, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    url = urllib.parse.urlparse(base)
    ready = asyncio.Semaphore(0)
    got = []
    marker = f"bench-{time.time_ns()}".encode()
    tasks = [asyncio.create_task(display(url.hostname, url.port, ready, got, marker)) for _ in range(n)]
    for _ in range(n):
        await ready.acquire()
    con = sqlite3.connect(db, timeout=10)
    start = time.monotonic()
    con.execute(
        "INSERT INTO live_events (topic, data, at) VALUES ('bench', ?, ?)",
        ('{"mark":"%s"}' % marker.decode(), int(time.time() * 1000)),
    )
    con.commit()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    last = max(got) - start
    got.sort()
    p50 = got[len(got) // 2] - start
    print(f"{n} open streams: every display had the change {last * 1000:.0f} ms after its commit "
          f"(median {p50 * 1000:.0f} ms); reference: the hub looks every 200 ms on SQLite")


asyncio.run(main())
