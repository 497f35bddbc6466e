"""The soak's own HTTP client: answers read by Content-Length over one kept-alive
connection, and every kind of failure counted rather than taken for an answer."""

from __future__ import annotations

import asyncio
import json

from bench.soak import Connection, ask, encode_request


def _answer(status: int, body: dict[str, object], close: bool = False) -> bytes:
    content = json.dumps(body).encode()
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(content)}\r\n"
    head += "Connection: close\r\n" if close else ""
    return (head + "\r\n").encode() + content


async def _serve(answers: list[bytes], seen: list[bytes], accepted: list[int]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            seen.append(await reader.readexactly(length))
            answer = answers.pop(0)
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def _run(answers: list[bytes]) -> tuple[list[str | None], list[bytes], int]:
    seen: list[bytes] = []
    accepted: list[int] = []

    async def main() -> list[str | None]:
        server = await _serve(answers, seen, accepted)
        port = server.sockets[0].getsockname()[1]
        connection = Connection("127.0.0.1", port)
        request = encode_request("127.0.0.1", port, "entity")
        out = [await ask(connection, "entity", request) for _ in range(len(answers))]
        await connection.close()
        server.close()
        return out

    return asyncio.run(main()), seen, len(accepted)


def test_answers_are_checked_and_the_connection_is_kept_alive() -> None:
    answers = [
        _answer(200, {"data": {"entity": {"id": "xiaomi"}}}),
        _answer(200, {"data": None, "errors": [{"extensions": {"code": "NOT_FOUND"}}]}),
        _answer(200, {"data": {"entity": None}}),
        _answer(503, {"detail": "down"}),
    ]
    results, seen, connections = _run(answers)
    assert results == [None, "graphql NOT_FOUND", "no data", "http 503"]
    assert connections == 1
    assert json.loads(seen[0])["variables"] == {"id": "xiaomi"}


def test_a_closed_connection_is_reopened_for_the_next_request() -> None:
    answers = [
        _answer(200, {"data": {"entity": {"id": "a"}}}, close=True),
        _answer(200, {"data": {"entity": {"id": "b"}}}),
    ]
    results, _, connections = _run(answers)
    assert results == [None, None]
    assert connections == 2
