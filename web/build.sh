#!/usr/bin/env bash
# Builds the browser portals into web/dist (`make web`; the test targets depend on it):
#   1. the pinned tools and libraries from package-lock.json (`npm ci`, only when node_modules
#      is missing or older than the lockfile);
#   2. TypeScript types of the services' contracts and google.rpc's error details (buf generate
#      with protoc-gen-es, buf.gen.yaml) into src/gen;
#   3. a type check (tsc), the unit tests of src/**/*.test.ts (bundled by esbuild for Node's
#      test runner: the Finnish formats, the OIDC sign-in's PKCE), then one bundle (esbuild)
#      beside index.html and style.css in dist/.
# tests/tests/e2e/browser_*.rs serve dist/ and drive it in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")"
started=$(date +%s%N)

if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm is not installed (Node.js 20 and npm build the portal)" >&2
  exit 1
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "web: installing the pinned packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
bin=node_modules/.bin

"$bin/buf" generate
"$bin/tsc" -p .
units=$(mktemp -d)
trap 'rm -rf "$units"' EXIT
for test in $(find src -name '*.test.ts' | sort); do
  "$bin/esbuild" "$test" --bundle --platform=node --format=esm --target=node20 \
    --outfile="$units/$(basename "$test" .ts).mjs" --log-level=warning
done
node --test --test-reporter=spec "$units"/*.mjs
rm -rf dist
mkdir -p dist
"$bin/esbuild" src/main.ts --bundle --format=esm --target=es2022 --minify --sourcemap \
  --outfile=dist/app.js --log-level=warning
cp index.html style.css dist/
echo "web: built web/dist in $(( ($(date +%s%N) - started) / 1000000 )) ms"
