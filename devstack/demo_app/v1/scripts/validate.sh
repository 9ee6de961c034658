#!/bin/bash
# ValidateService: the host's page must name this revision's version.
set -euo pipefail
version=v1
source "$DEMO_HOST_DIR/web.env"
url="http://127.0.0.1:$PORT/"
heading="$(curl -fsS "$url" | grep -o '<h1>.*</h1>')"
echo "GET $url -> $heading"
[[ "$heading" == *"app $version<"* ]] || { echo "expected $version" >&2; exit 1; }
