"""The demo app's v2 web server: its site, plus ``/health``, which needs the host's API key.

``python3 server.py SITE_DIR PORT``. ``/health`` answers 200 when ``$DEMO_HOST_DIR/api-key``
exists and 503 otherwise: v2 depends on a per-host secret that v1 did not need.
"""

import functools
import http.server
import os
import sys
from pathlib import Path

API_KEY_FILE = Path(os.environ["DEMO_HOST_DIR"]) / "api-key"


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/health":
            super().do_GET()
            return
        healthy = API_KEY_FILE.is_file()
        body = (
            "ok\n" if healthy else f"503 unhealthy: v2 needs an API key in {API_KEY_FILE}\n"
        ).encode()
        self.send_response(200 if healthy else 503)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    site, port = sys.argv[1], int(sys.argv[2])
    handler = functools.partial(Handler, directory=site)
    http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()


if __name__ == "__main__":
    main()
