#!/bin/bash
# ApplicationStop: stop the web server that a revision (any version) started on this host.
# DEMO_HOST_DIR comes from the agent's environment: the host's own directory (web.env, web/).
set -euo pipefail
pid_file="$DEMO_HOST_DIR/web/server.pid"
running() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
if [ ! -e "$pid_file" ]; then
  echo "no web server to stop"
  exit 0
fi
pid="$(cat "$pid_file")"
if running "$pid"; then
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
  echo "stopped the web server of $(cat "$DEMO_HOST_DIR/web/version" 2>/dev/null || echo '?') (pid $pid)"
fi
rm -f "$pid_file"
