#!/bin/bash
# ApplicationStart: serve this revision's site on the host's port (PORT in $DEMO_HOST_DIR/web.env).
# The server gets a session of its own and no tie to the hook's output, so the hook returns and
# the agent's end-of-hook clean-up (which kills the hook's process group) leaves it running.
set -euo pipefail
version=v2
source "$DEMO_HOST_DIR/web.env"
here="$(cd "$(dirname "$0")" && pwd)"
web="$DEMO_HOST_DIR/web"
mkdir -p "$web"
"$here/stop.sh"  # whatever an earlier revision left running
setsid python3 "$here/server.py" "$here/../site" "$PORT" \
  >"$web/server.log" 2>&1 </dev/null &
echo $! >"$web/server.pid"
echo "$version" >"$web/version"
echo "$version" >>"$web/started"  # every version this host has started, in order
for _ in $(seq 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
    echo "$version serving http://127.0.0.1:$PORT/ (pid $(cat "$web/server.pid"))"
    exit 0
  fi
  sleep 0.1
done
echo "the web server did not answer on port $PORT:" >&2
tail -n 5 "$web/server.log" >&2
exit 1
