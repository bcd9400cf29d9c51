"""A minimal HTTP/1.1 keep-alive client over raw sockets: exact request
counts for the instruction counts, and the exact bytes of a response for
the check that the floor server answers byte for byte as app-native does.
Only what the benchmarked routes need: GET, Content-Length bodies."""

from __future__ import annotations

import re
import socket


class WireError(Exception):
    """The server broke the exchange (closed early, answered oddly)."""


def read_response(sock: socket.socket, pending: bytearray) -> bytes:
    """Reads one HTTP/1.1 response with a Content-Length body off `sock`,
    keeping what follows it in `pending`; returns its bytes."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise WireError("server closed a keep-alive connection before answering")
        pending += chunk
    head_end = pending.index(b"\r\n\r\n") + 4
    head = bytes(pending[:head_end]).decode("latin-1")
    length = re.search(r"(?im)^content-length:\s*(\d+)\s*$", head)
    if not length:
        raise WireError(f"response without Content-Length: {head!r}")
    total = head_end + int(length.group(1))
    while len(pending) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise WireError("server closed a connection mid-body")
        pending += chunk
    response = bytes(pending[:total])
    del pending[:total]
    return response


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


class Connections:
    """`n` keep-alive connections that send one request each per round."""

    def __init__(self, port: int, n: int):
        self.port = port
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(n)]
        for sock in self.socks:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = [bytearray() for _ in self.socks]

    def send(self, path: str, requests: int, headers: tuple[tuple[str, str], ...] = ()) -> None:
        """Exactly `requests` requests, every answer checked for 200;
        `headers` go after Host."""
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
        wire = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{extra}\r\n".encode()
        sent = 0
        while sent < requests:
            batch = self.socks[: requests - sent]
            for sock in batch:
                sock.sendall(wire)
            for sock, pending in zip(batch, self.pending):
                code = status(read_response(sock, pending))
                if code != 200:
                    raise WireError(f"{path} answered {code}")
            sent += len(batch)

    def get(self, path: str) -> bytes:
        """One request on the first connection: the response's exact bytes."""
        self.socks[0].sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        return read_response(self.socks[0], self.pending[0])

    def close(self) -> None:
        for sock in self.socks:
            sock.close()
