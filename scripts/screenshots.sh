#!/usr/bin/env bash
# `pnpm screenshots`: refreshes docs/screenshots/*.png (the README's pictures) from the dashboard's
# browser tests. The tests alone write their screenshots to a temp dir and never touch tracked files;
# this is the one command that writes into the repo, on purpose. Extra arguments go to vitest (e.g. a
# single file: scripts/screenshots.sh apps/web/test/graph.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
export MESH_SCREENSHOT_DIR=docs/screenshots
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(apps/web/test)
pnpm vitest run "${files[@]}"
git status --short -- docs/screenshots
