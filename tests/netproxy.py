"""A TCP proxy between the application and PostgreSQL that a test can cut, restore, freeze, or
make lose the server's answer to one statement (to test outages, silent networks and lost
commit acknowledgements)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType


class Proxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()`` drops every connection and refuses
    new ones until ``restore()``; ``lose_answer_to(marker)`` forwards the next client message
    holding ``marker`` and then drops that connection before the server's answer comes back.

    ``freeze()`` makes the network silent: every connection, open or new, is kept open but
    its packets are swallowed both ways (nothing refused, nothing answered), as when a laptop
    drops off the Wi-Fi; ``freeze_after = marker`` freezes the network right after forwarding
    the next client message holding ``marker`` (so its answer never comes back).
    ``restore()`` brings the network back for new connections; the frozen ones stay silent
    until their owner closes them (a real network's dead connections)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.lose_answer: bytes | None = None
        self.drop_before: bytes | None = None
        self.freeze_after: bytes | None = None
        self.frozen = False
        self.frozen_pairs: set[tuple[socket.socket, socket.socket]] = set()
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
            if self.frozen:
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
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
        sides = [client, server]
        try:
            while sides:
                ready, _, _ = select.select(sides, [], [], 0.2)
                if self.closing:
                    return
                for side in ready:
                    data = side.recv(65536)
                    frozen = (client, server) in self.frozen_pairs
                    if not data and frozen:
                        # The other end never learns of it: nothing crosses a silent network.
                        sides.remove(side)
                        continue
                    if not data:
                        return
                    if frozen:
                        continue  # a silent network: swallowed
                    if side is client:
                        if self.drop_before is not None and self.drop_before in data:
                            self.drop_before = None
                            self.lost.set()
                            return
                        server.sendall(data)
                        if self.freeze_after is not None and self.freeze_after in data:
                            self.freeze_after = None
                            self.freeze()
                            self.lost.set()
                            continue
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

    def _swallow(self, client: socket.socket) -> None:
        """A connection made while frozen: accepted, never answered."""
        try:
            while not self.closing:
                ready, _, _ = select.select([client], [], [], 0.2)
                if ready and not client.recv(65536):
                    return
        except OSError:
            return
        finally:
            client.close()

    def _close(self, client: socket.socket, server: socket.socket) -> None:
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self.lock:
            if (client, server) in self.pairs:
                self.pairs.remove((client, server))
            self.frozen_pairs.discard((client, server))

    def cut(self) -> None:
        """The network goes: every open connection drops, new ones are refused."""
        self.down = True
        with self.lock:
            pairs = list(self.pairs)
        for client, server in pairs:
            self._close(client, server)

    def freeze(self) -> None:
        """The network goes silent: packets are swallowed both ways, nothing is refused."""
        self.frozen = True
        with self.lock:
            self.frozen_pairs.update(self.pairs)

    def restore(self) -> None:
        """The network is back (for new connections; frozen ones stay dead)."""
        self.down = False
        self.frozen = False

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
