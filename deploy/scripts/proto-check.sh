#!/usr/bin/env bash
# Lint the gRPC contracts in proto/ with buf (STANDARD rules, buf.yaml at the repo root) and
# check them for breaking changes (FILE rules) against the last published contract.
# `make proto-check` runs this; so does CI.
#
# Needs: node and npm. Installs @bufbuild/buf, pinned in package.json / package-lock.json,
# into node_modules/ with `npm ci` when it is missing or stale; later runs reuse it.
#
# Baseline for `buf breaking`, first that applies:
#   1. $SETELI_PROTO_BASELINE, any git revision (e.g. a release tag: v0.3.0).
#   2. On a branch: where it left main (merge-base of HEAD and origin/main, or main).
#   3. On main with uncommitted edits under proto/: HEAD (the contract as committed).
#   4. On main itself, clean (CI clones main, so HEAD *is* main and comparing with it is a
#      no-op): the parent of the latest commit that changed proto/, i.e. the contract as it
#      was before its most recent change. This catches a breaking change in the commit that
#      made it; with several proto-changing commits in one push only the last is checked,
#      which is why case 3 makes the check worth running before each commit.
# The check is skipped, and says so, when there is no such revision or it has no
# proto/seteli yet (no v1 contract has landed).
set -euo pipefail

cd "$(dirname "$0")/../.."

if [[ -z "$(find proto -name '*.proto' -print -quit 2>/dev/null)" ]]; then
  echo "proto-check: no .proto files under proto/: nothing to check"
  exit 0
fi

# --- install buf (pinned) -----------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  echo "proto-check: npm is not installed (it installs @bufbuild/buf)" >&2
  exit 1
fi
if [[ ! -x node_modules/.bin/buf || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "proto-check: installing @bufbuild/buf (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
buf() { node_modules/.bin/buf "$@"; }
echo "proto-check: buf $(buf --version)"

# --- lint ---------------------------------------------------------------------------------
buf lint
echo "proto-check: buf lint (STANDARD): ok"

# --- breaking -----------------------------------------------------------------------------
baseline=""
why=""
if git rev-parse --verify -q HEAD >/dev/null; then
  if [[ -n "${SETELI_PROTO_BASELINE:-}" ]]; then
    baseline="$(git rev-parse --verify -q "${SETELI_PROTO_BASELINE}^{commit}" || true)"
    why="SETELI_PROTO_BASELINE=${SETELI_PROTO_BASELINE}"
    if [[ -z "$baseline" ]]; then
      echo "proto-check: SETELI_PROTO_BASELINE=${SETELI_PROTO_BASELINE} is not a git revision" >&2
      exit 1
    fi
  else
    main_ref=""
    for ref in origin/main main; do
      if git rev-parse --verify -q "${ref}^{commit}" >/dev/null; then main_ref="$ref"; break; fi
    done
    head="$(git rev-parse HEAD)"
    fork=""
    [[ -z "$main_ref" ]] || fork="$(git merge-base HEAD "$main_ref" || true)"
    if [[ -n "$fork" && "$fork" != "$head" ]]; then
      baseline="$fork"
      why="where this branch left $main_ref"
    elif [[ -n "$(git status --porcelain -- proto)" ]]; then
      baseline="$head"
      why="HEAD, as proto/ has uncommitted changes"
    else
      last="$(git log -1 --format=%H HEAD -- proto || true)"
      if [[ -n "$last" ]] && git rev-parse --verify -q "${last}^" >/dev/null; then
        baseline="$(git rev-parse "${last}^")"
        why="the parent of ${last:0:12}, the latest commit that changed proto/"
      fi
    fi
  fi
fi

if [[ -z "$baseline" ]]; then
  echo "proto-check: buf breaking: SKIPPED (no earlier revision of proto/ to compare with)"
  exit 0
fi
if ! git cat-file -e "${baseline}:proto/seteli" 2>/dev/null; then
  echo "proto-check: buf breaking: SKIPPED (${baseline:0:12}, $why, has no proto/seteli: no v1 contract had landed)"
  exit 0
fi

# Extract the baseline's proto/ into a temporary directory and compare with it as a module
# rooted there, so file names (seteli/...) match the current module's.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git archive "$baseline" proto | tar -x -C "$work"
buf breaking --against "$work/proto"
echo "proto-check: buf breaking (FILE) against ${baseline:0:12} ($why): ok"
