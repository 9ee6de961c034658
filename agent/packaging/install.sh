#!/usr/bin/env bash
# Installs the Rollwright host agent into its own virtual environment, with its config and systemd
# unit. Run from a checkout of the repository (or a copy of its agent/ and rollwright/ folders).
#
#   agent/packaging/install.sh --config agent.yml [--root PREFIX] [--python PYTHON]
#
#   --root PREFIX   install under PREFIX instead of / (a package build or a test); systemd is
#                   told only when PREFIX is / and systemctl exists
#   --config FILE   the agent config to install as PREFIX/etc/rollwright-agent/agent.yml;
#                   optional when one is already there (an upgrade keeps it)
#   --python PYTHON the Python (3.11 or newer) the virtual environment is made from (python3)
#
# Result: PREFIX/opt/rollwright-agent (the virtual environment: boto3, PyYAML, the agent and the
# pure rollwright modules it imports, nothing else), PREFIX/opt/rollwright-agent/bin/rollwright-agent
# and a link to it in PREFIX/usr/local/bin, PREFIX/etc/rollwright-agent/agent.yml, and
# PREFIX/etc/systemd/system/rollwright-agent.service.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_root="$(cd "$here/../.." && pwd)"
root=/
config=""
python=python3

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --config) config="${2:?--config needs a file}"; shift 2 ;;
    --python) python="${2:?--python needs an interpreter}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; usage 2 ;;
  esac
done

root="$(mkdir -p "$root" && cd "$root" && pwd)"
prefix="${root%/}/opt/rollwright-agent"
config_dir="${root%/}/etc/rollwright-agent"
config_file="$config_dir/agent.yml"
unit_dir="${root%/}/etc/systemd/system"
bin_dir="${root%/}/usr/local/bin"

if [[ -z "$config" && ! -f "$config_file" ]]; then
  echo "install.sh: --config FILE is required (no $config_file to keep)" >&2
  exit 2
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "install.sh: $python is older than Python 3.11" >&2; exit 2; }

version="$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$source_root/pyproject.toml")"

# A fresh environment each time: an upgrade must not keep packages an older agent needed.
rm -rf "$prefix"
"$python" -m venv "$prefix"
"$prefix/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$here/requirements.txt"

# The agent's distribution, built from a staging copy that holds exactly what it ships.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/rollwright"
cp -R "$source_root/agent" "$stage/agent"
rm -rf "$stage/agent/packaging"
find "$stage/agent" -name __pycache__ -prune -exec rm -rf {} +
# Of the rollwright package, only the modules the agent imports, directly or through each other
# (the pure ones: the domain never imports boto3).
"$python" - "$source_root" "$stage/rollwright" <<'PYTHON'
import ast, shutil, sys
from pathlib import Path

source, stage = Path(sys.argv[1]), Path(sys.argv[2])
wanted, queue = {"__init__"}, list((source / "agent").glob("*.py"))
while queue:
    for node in ast.walk(ast.parse(queue.pop().read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "rollwright" and len(parts) > 1 and parts[1] not in wanted:
                wanted.add(parts[1])
                queue.append(source / "rollwright" / f"{parts[1]}.py")
for module in sorted(wanted):
    shutil.copy2(source / "rollwright" / f"{module}.py", stage / f"{module}.py")
    print(f"shipping rollwright/{module}.py")
PYTHON
sed "s/@VERSION@/$version/" "$here/pyproject.toml.in" > "$stage/pyproject.toml"
# Built in pip's isolated build environment, so the build tools do not stay in the agent's.
"$prefix/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$stage"

mkdir -p "$config_dir" "$unit_dir" "$bin_dir"
if [[ -n "$config" ]]; then
  install -m 0644 "$config" "$config_file"
fi
# A config the agent cannot run with is refused now, not at the first start.
"$prefix/bin/python" -I -c 'import sys; from agent.config import read_agent_config; read_agent_config(__import__("pathlib").Path(sys.argv[1]))' "$config_file"

ln -sf "$prefix/bin/rollwright-agent" "$bin_dir/rollwright-agent"
sed -e "s#@PREFIX@#/opt/rollwright-agent#" -e "s#@CONFIG@#/etc/rollwright-agent/agent.yml#" \
  "$here/rollwright-agent.service" > "$unit_dir/rollwright-agent.service"

echo "rollwright-agent $version installed in $prefix"
if [[ "$root" == "/" ]] && command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable rollwright-agent.service
  echo "enabled; start it with: systemctl start rollwright-agent"
fi
