#!/usr/bin/env bash
# Render every kustomize overlay and validate each object offline against the Kubernetes
# OpenAPI schemas, strictly (an unknown or misspelt field fails), for every Kubernetes
# version we support, and checks that the NetworkPolicies allow exactly the calls the services
# make (check-network-paths.py). No cluster needed. `make k8s-check` runs this; so does CI.
#
# Needs: kubectl (with its built-in kustomize) and python3. Installs PyPI kubernetes-validate
# (which ships the schemas) into .venv/ at the repo root on first run; later runs reuse it.
set -euo pipefail

cd "$(dirname "$0")/../.."

# kubernetes-validate release, and the Kubernetes versions whose schemas we check against:
# 1.30 is the oldest we support (lifecycle.preStop.sleep needs it), plus a current one.
KV_VERSION="1.37.0"
K8S_VERSIONS=(1.30.0 1.33.0)
OVERLAYS=(k8s/overlays/dev k8s/overlays/prod)
# kubernetes-validate only warns about a kind it has no schema for, so a misspelt `kind:` or
# `apiVersion:` would pass. We fail on those warnings instead. Custom resources (e.g. a
# ServiceMonitor) have no built-in schema: list their kinds here to let them through.
ALLOWED_UNKNOWN_KINDS=()
VENV=".venv"

if ! command -v kubectl >/dev/null 2>&1; then
  echo "k8s-check: kubectl is not installed (it renders the overlays with its kustomize)" >&2
  exit 1
fi

# Install (or upgrade to the pinned version) only when needed: fast when already there.
installed=""
if [[ -x "$VENV/bin/kubernetes-validate" ]]; then
  installed="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))' 2>/dev/null || true)"
fi
if [[ "$installed" != "$KV_VERSION" ]]; then
  echo "k8s-check: installing kubernetes-validate==$KV_VERSION into $VENV/"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$KV_VERSION"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=0
for overlay in "${OVERLAYS[@]}"; do
  name="$(basename "$overlay")"
  rendered="$work/$name.yaml"
  if ! kubectl kustomize "$overlay" > "$rendered"; then
    echo "k8s-check: FAIL: kubectl kustomize $overlay" >&2
    failed=1
    continue
  fi
  objects="$(grep -c '^kind:' "$rendered" || true)"
  if [[ "$objects" -eq 0 ]]; then
    echo "k8s-check: FAIL: $overlay rendered no objects" >&2
    failed=1
    continue
  fi
  for version in "${K8S_VERSIONS[@]}"; do
    # --strict rejects unknown fields; --quiet prints only failures and warnings.
    status=0
    out="$("$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" "$rendered" 2>&1)" || status=$?
    [[ -z "$out" ]] || printf '%s\n' "$out" >&2
    unknown="$(printf '%s\n' "$out" | grep "Couldn't find schema for kind" || true)"
    for kind in "${ALLOWED_UNKNOWN_KINDS[@]}"; do
      unknown="$(printf '%s\n' "$unknown" | grep -v "for kind $kind with" || true)"
    done
    if [[ -n "$unknown" ]]; then
      echo "k8s-check: FAIL $overlay: a kind/apiVersion that Kubernetes $version does not know (typo?)" >&2
      failed=1
    elif [[ "$status" -ne 0 ]]; then
      echo "k8s-check: FAIL $overlay against Kubernetes $version (strict)" >&2
      failed=1
    else
      echo "k8s-check: ok   $overlay: $objects objects valid against Kubernetes $version (strict)"
    fi
  done
  # The NetworkPolicies open exactly the calls the services make (read from their code and
  # config.env): deploy/scripts/check-network-paths.py.
  if ! "$VENV/bin/python" deploy/scripts/check-network-paths.py "$rendered"; then
    echo "k8s-check: FAIL $overlay: network paths" >&2
    failed=1
  fi
done

if [[ "$failed" -ne 0 ]]; then
  echo "k8s-check: failed" >&2
  exit 1
fi
echo "k8s-check: passed"
