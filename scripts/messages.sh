#!/usr/bin/env bash
# Update the zh-Hans catalogues: one per app that has a locale/ folder (strings of that app), and
# the project's (templates/ and the rest). Needs GNU gettext (apt-get install gettext).
set -euo pipefail
parkpilot=$(realpath "$1")
cd "$(dirname "$0")/../src/parkpilot"
apps=()
for dir in */locale; do
  app=${dir%/locale}; apps+=("$app")
  (cd "$app" && "$parkpilot" makemessages -l zh_Hans --no-obsolete)
done
ignore=(); for app in "${apps[@]}"; do ignore+=(-i "$app/*"); done
"$parkpilot" makemessages -l zh_Hans --no-obsolete "${ignore[@]}"
"$parkpilot" compilemessages -l zh_Hans
