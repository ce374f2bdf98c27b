"""A TCP proxy between the application and PostgreSQL that a test can cut, restore, or make
lose the server's answer to one statement (to test outages and lost commit acknowledgements)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType


class Proxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()`` drops every connection and refuses
    new ones until ``restore()``; ``lose_answer_to(marker)`` forwards the next client message
    holding ``marker`` and then drops that connection before the server's answer comes back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.lose_answer: bytes | None = None
        self.drop_before: bytes | None = None
        self.lost = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.closing = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([client, server], [], [], 0.2)
                if self.closing:
                    return
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    if side is client:
                        if self.drop_before is not None and self.drop_before in data:
                            self.drop_before = None
                            self.lost.set()
                            return
                        server.sendall(data)
                        if self.lose_answer is not None and self.lose_answer in data:
                            self.lose_answer = None
                            # Give the server time to act on it, then lose the answer.
                            threading.Event().wait(0.2)
                            self.lost.set()
                            return
                    else:
                        client.sendall(data)
        except OSError:
            return
        finally:
            self._close(client, server)

    def _close(self, client: socket.socket, server: socket.socket) -> None:
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self.lock:
            if (client, server) in self.pairs:
                self.pairs.remove((client, server))

    def cut(self) -> None:
        """The network goes: every open connection drops, new ones are refused."""
        self.down = True
        with self.lock:
            pairs = list(self.pairs)
        for client, server in pairs:
            self._close(client, server)

    def restore(self) -> None:
        """The network is back."""
        self.down = False

    def close(self) -> None:
        """Stop the proxy."""
        self.closing = True
        self.cut()
        self.listener.close()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()
