#!/usr/bin/env bash
# Make the virtualenv. Debian splits venv/ensurepip into python3-venv; install it when missing.
set -euo pipefail
python="$1" venv="$2"
"$python" -c 'import sys; assert sys.version_info >= (3, 11), "ParkPilot needs Python 3.11+"'
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  echo "python venv module missing: installing python${version}-venv" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq "python${version}-venv"
  "$python" -m venv "$venv"
fi
