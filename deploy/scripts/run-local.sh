#!/usr/bin/env bash
# `make run`: builds and starts every Seteli service on localhost with SQLite (files under
# ./data/) and dev keys (deploy/dev-keys/, created when absent). Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVICES=(providers vouchers)
cargo build --quiet --bins
bin=target/debug

"$bin/seteli-dev" keys --dir deploy/dev-keys
set -a
# shellcheck disable=SC1091
source deploy/dev.env
set +a
export SETELI_JWKS_PATH=deploy/dev-keys/jwks.json
# Each service finds the others on their local ports.
export SETELI_PROVIDERS_URL=http://127.0.0.1:50051
export SETELI_VOUCHERS_URL=http://127.0.0.1:50052

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup EXIT INT TERM

for svc in "${SERVICES[@]}"; do
  "$bin/seteli-$svc" &
  pids+=($!)
done

cat <<TXT

Seteli is starting on localhost (SQLite under ./data/):
  providers   gRPC + gRPC-Web  127.0.0.1:50051   metrics http://127.0.0.1:9101/metrics
  vouchers    gRPC + gRPC-Web  127.0.0.1:50052   metrics http://127.0.0.1:9102/metrics

A token to call it with (roles: social_worker, provider_user, county_admin, finance_system, auditor):
  TOKEN=\$(target/debug/seteli-dev token --role county_admin)
Then, e.g. with grpcurl (server reflection is on):
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" 127.0.0.1:50051 list
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" -d '{"page_size": 10}' \\
    127.0.0.1:50051 seteli.providers.v1.ProvidersService/ListProviders
Ctrl-C stops everything.
TXT
wait
