#!/usr/bin/env bash
# `make run`: builds and starts every Seteli service on localhost with SQLite (files under
# ./data/) and dev keys (deploy/dev-keys/, created when absent). Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVICES=(providers vouchers attendance reporting billing)
cargo build --quiet --bins
bin=target/debug

"$bin/seteli-dev" keys --dir deploy/dev-keys
# deploy/dev.env fills only what is unset: a setting given on the command line wins.
# shellcheck source=dev-env.sh
source deploy/scripts/dev-env.sh
export SETELI_JWKS_PATH=deploy/dev-keys/jwks.json
# Dev mode (also in deploy/dev.env): the dev issuer and dev key are refused without it.
export SETELI_DEV=true
# Each service finds the others on their local ports.
export SETELI_PROVIDERS_URL=http://127.0.0.1:50051
export SETELI_VOUCHERS_URL=http://127.0.0.1:50052
export SETELI_ATTENDANCE_URL=http://127.0.0.1:50053
export SETELI_REPORTING_URL=http://127.0.0.1:50054
export SETELI_BILLING_URL=http://127.0.0.1:50055
# Each service follows feeds and calls other services as itself: a dev token of its own
# service account (role `service`, the subject naming the service), signed with the dev key,
# valid for 30 days. A secret: only that service gets it (see the loop below) —
#   attendance follows the vouchers change feed (SETELI_VOUCHERS_FEED_TOKEN) and the registry's
#   (SETELI_PROVIDERS_FEED_TOKEN: whether a provider may work, its offerings);
#   vouchers follows attendance's usage feed, the units used (SETELI_ATTENDANCE_FEED_TOKEN), and
#   the registry's change feed (SETELI_PROVIDERS_FEED_TOKEN);
#   billing calls attendance, vouchers and providers (SETELI_BILLING_UPSTREAM_TOKEN); its buyer
#   (the county) is the service's built-in development default (SETELI_BILLING_BUYER_*);
#   reporting follows the vouchers change feed (report obligations) and attendance's alert feed
#   and activity figures (SETELI_VOUCHERS_FEED_TOKEN and SETELI_ATTENDANCE_FEED_TOKEN).
service_token() {
  "$bin/seteli-dev" token --role service --subject "$1" --ttl 2592000 --dir deploy/dev-keys
}
feed_token="$(service_token attendance)"
usage_token="$(service_token vouchers)"
billing_token="$(service_token billing)"
reporting_token="$(service_token reporting)"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup EXIT INT TERM

for svc in "${SERVICES[@]}"; do
  if [[ "$svc" == attendance ]]; then
    SETELI_VOUCHERS_FEED_TOKEN="$feed_token" SETELI_PROVIDERS_FEED_TOKEN="$feed_token" \
      "$bin/seteli-$svc" &
  elif [[ "$svc" == vouchers ]]; then
    SETELI_ATTENDANCE_FEED_TOKEN="$usage_token" SETELI_PROVIDERS_FEED_TOKEN="$usage_token" \
      "$bin/seteli-$svc" &
  elif [[ "$svc" == reporting ]]; then
    SETELI_VOUCHERS_FEED_TOKEN="$reporting_token" SETELI_ATTENDANCE_FEED_TOKEN="$reporting_token" \
      "$bin/seteli-$svc" &
  elif [[ "$svc" == billing ]]; then
    SETELI_BILLING_UPSTREAM_TOKEN="$billing_token" "$bin/seteli-$svc" &
  else
    "$bin/seteli-$svc" &
  fi
  pids+=($!)
done

# Every service answers its health check before we say where it listens.
if ! "$bin/seteli" health --wait 120 >/dev/null; then
  "$bin/seteli" health || true
  echo "run-local: not every service became SERVING; see the logs above" >&2
fi

cat <<TXT

Seteli is running on localhost (SQLite under ./data/):
  providers   gRPC + gRPC-Web  127.0.0.1:50051   metrics http://127.0.0.1:9101/metrics
  vouchers    gRPC + gRPC-Web  127.0.0.1:50052   metrics http://127.0.0.1:9102/metrics
              (follows attendance's usage feed and the registry's as its own service account)
  attendance  gRPC + gRPC-Web  127.0.0.1:50053   metrics http://127.0.0.1:9103/metrics
              (follows the vouchers feed and the registry's as its own service account)
  reporting   gRPC + gRPC-Web  127.0.0.1:50054   metrics http://127.0.0.1:9104/metrics
              (follows the vouchers and attendance feeds as its own service account)
  billing     gRPC + gRPC-Web  127.0.0.1:50055   metrics http://127.0.0.1:9105/metrics
              (calls attendance, vouchers, providers as its own service account, SETELI_BILLING_UPSTREAM_TOKEN)

The command-line client (it mints a dev token of each step's role by itself):
  target/debug/seteli health
  target/debug/seteli provider list
  target/debug/seteli --help                  # every command; --json for scripts
  make demo                                   # one month of the journey, files under ./data/demo/
A token to call it with (roles: social_worker, provider_user, county_admin, finance_system, auditor):
  TOKEN=\$(target/debug/seteli token --role county_admin)
  TOKEN=\$(target/debug/seteli token --role provider_user --provider <provider id>)
Then, e.g. with grpcurl (server reflection is on):
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" 127.0.0.1:50051 list
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" -d '{"page_size": 10}' \\
    127.0.0.1:50051 seteli.providers.v1.ProvidersService/ListProviders
Ctrl-C stops everything.
TXT
wait
