#!/bin/bash
# ValidateService: the host's page must name this revision's version, and /health answer 200.
set -euo pipefail
version=v2
source "$DEMO_HOST_DIR/web.env"
url="http://127.0.0.1:$PORT/"
heading="$(curl -fsS "$url" | grep -o '<h1>.*</h1>')"
echo "GET $url -> $heading"
[[ "$heading" == *"app $version<"* ]] || { echo "expected $version" >&2; exit 1; }
if ! health="$(curl -fsS "${url}health")"; then
  echo "GET ${url}health -> $(curl -sS "${url}health")" >&2
  exit 1
fi
echo "GET ${url}health -> $health"
