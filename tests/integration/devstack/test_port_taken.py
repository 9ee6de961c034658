"""A free port taken by another process before the gateway listens on it is reported as such
(`PortTakenError`), so that the e2e suite can start its devstack on another port."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devstack import launcher


class _ForeignHealth(BaseHTTPRequestHandler):
    """Answers the devstack's health check as a gateway of another process would."""

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "pid": 1, "port": self.server.server_port}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken


@pytest.fixture
def foreign_gateway() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForeignHealth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_port_another_process_listens_on_raises_port_taken(
    tmp_path: Path, listening_socket: socket.socket
) -> None:
    # Given a port another process listens on (it answers no health check)
    port = listening_socket.getsockname()[1]

    # When a devstack is started on it
    with pytest.raises(launcher.PortTakenError, match="in use"):
        launcher.start(tmp_path, port, template_dir=None)

    # Then its gateway is gone and no state was written
    pid = int((tmp_path / launcher.PID_FILE_NAME).read_text())
    assert not launcher.process_alive(pid)
    assert not (tmp_path / "state.json").exists()


def test_a_port_another_gateway_answers_on_raises_port_taken(
    tmp_path: Path, foreign_gateway: ThreadingHTTPServer
) -> None:
    # Given a gateway spawned on a port that another process's gateway answers on
    spawned = launcher.spawn(tmp_path, foreign_gateway.server_port)

    # When the devstack is started with it
    with pytest.raises(launcher.PortTakenError, match="pid 1"):
        launcher.start(tmp_path, template_dir=None, spawned=spawned)

    # Then the spawned gateway is stopped and no state was written
    assert not launcher.process_alive(spawned.process.pid)
    assert not (tmp_path / "state.json").exists()
