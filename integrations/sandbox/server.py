"""Running a sandbox WSGI app on loopback in a background thread (tests, the demo) or in front."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No access log: load runs would print a line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class RunningServer:
    """A sandbox served on 127.0.0.1; stop() shuts it down and joins its thread."""

    base_url: str
    _server: BaseWSGIServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def serve_in_thread(app: Flask, port: int = 0) -> RunningServer:
    """Serve `app` on 127.0.0.1 (port 0: any free port) from a daemon thread, threaded per request."""
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
    # A short poll interval makes stop() quick: tests start and stop many sandboxes.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name=f"sandbox-{app.name}", daemon=True
    )
    thread.start()
    return RunningServer(f"http://127.0.0.1:{server.server_port}", server, thread)
