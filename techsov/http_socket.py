"""The listening socket of ``techsov serve``, bound before anything slow happens.

Binding first means a busy port is reported at once, in one line with its fix, instead of
after the graph has been validated and a banner has claimed the server is up; uvicorn is
then handed the bound socket.
"""

from __future__ import annotations

import errno
import socket

from ontology.errors import CannotUse


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; :class:`CannotUse` naming the fix if not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CannotUse(
            f"cannot listen on {host}: {exc.strerror}; set --host (or TECHSOV_HOST) to an "
            "address of this machine, such as 127.0.0.1"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CannotUse(
                f"port {port} on {host} is already in use; choose another with --port "
                f"(make serve PORT=…, or TECHSOV_PORT), or stop what listens there"
            ) from None
        if exc.errno == errno.EACCES:
            raise CannotUse(
                f"not allowed to listen on port {port}; use a port above 1023 with --port"
            ) from None
        raise CannotUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock
