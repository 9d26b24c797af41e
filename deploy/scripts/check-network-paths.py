#!/usr/bin/env python3
"""Checks that the NetworkPolicies of a rendered overlay allow exactly the calls the services make.

`make k8s-check` runs it on every rendered overlay:

    check-network-paths.py RENDERED.yaml

What a service calls is read from the code and the configuration, not restated here:

- the code: every `SETELI_<NAME>_URL` that services/<service>/src reads names an upstream;
- the configuration: k8s/base/<service>/config.env must set each of them to `http://<name>:50051`;
- the policies: `<service>-egress` must allow gRPC to exactly those services' pods, and each
  `<service>-ingress` must admit exactly the Seteli pods whose egress names it (namespaces,
  e.g. the ingress controller, are outside callers and not checked here).

A URL the configuration sets but the code does not read yet is reported as a warning (a path
opened ahead of the code, e.g. while a feed is being added), not a failure.
"""

import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
URL_VAR = re.compile(r"SETELI_([A-Z]+)_URL")


def service_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir())


def urls_read_by_code(service: str, services: list[str]) -> set[str]:
    found = set()
    for src in (ROOT / "services" / service / "src").rglob("*.rs"):
        for m in URL_VAR.finditer(src.read_text(encoding="utf-8")):
            name = m.group(1).lower()
            if name in services and name != service:
                found.add(name)
    return found


def urls_in_config(service: str) -> dict[str, str]:
    env = ROOT / "k8s" / "base" / service / "config.env"
    found = {}
    if not env.exists():
        return found
    for line in env.read_text(encoding="utf-8").splitlines():
        m = re.match(r"SETELI_([A-Z]+)_URL=(.*)$", line.strip())
        if m:
            found[m.group(1).lower()] = m.group(2).strip()
    return found


def pod_names(peers: list) -> set[str]:
    names = set()
    for peer in peers or []:
        labels = (peer.get("podSelector") or {}).get("matchLabels") or {}
        if "namespaceSelector" not in peer and "app.kubernetes.io/name" in labels:
            names.add(labels["app.kubernetes.io/name"])
    return names


def main() -> int:
    rendered = pathlib.Path(sys.argv[1])
    policies = {
        d["metadata"]["name"]: d
        for d in yaml.safe_load_all(rendered.read_text(encoding="utf-8"))
        if d and d.get("kind") == "NetworkPolicy"
    }
    services = service_names()
    problems, warnings = [], []
    egress: dict[str, set[str]] = {}
    for svc in services:
        code = urls_read_by_code(svc, services)
        config = urls_in_config(svc)
        for upstream in sorted(code - set(config)):
            problems.append(f"{svc} reads SETELI_{upstream.upper()}_URL but its config.env does not set it")
        for upstream in sorted(set(config) - code):
            warnings.append(
                f"{svc}/config.env sets SETELI_{upstream.upper()}_URL, which its code does not read yet"
            )
        for upstream, url in sorted(config.items()):
            if url != f"http://{upstream}:50051":
                problems.append(f"{svc}: SETELI_{upstream.upper()}_URL={url}, expected http://{upstream}:50051")
        policy = policies.get(f"{svc}-egress")
        if policy is None:
            problems.append(f"no NetworkPolicy {svc}-egress")
            continue
        allowed = set()
        for rule in policy["spec"].get("egress") or []:
            allowed |= pod_names(rule.get("to"))
        egress[svc] = allowed
        if allowed != set(config):
            problems.append(
                f"{svc}-egress allows {sorted(allowed)}, but {svc} calls {sorted(config)}"
            )
    for svc in services:
        policy = policies.get(f"{svc}-ingress")
        if policy is None:
            problems.append(f"no NetworkPolicy {svc}-ingress")
            continue
        admitted = set()
        for rule in policy["spec"].get("ingress") or []:
            admitted |= pod_names(rule.get("from"))
        callers = {c for c, targets in egress.items() if svc in targets}
        if admitted != callers:
            problems.append(
                f"{svc}-ingress admits {sorted(admitted)}, but its callers are {sorted(callers)}"
            )
    for w in warnings:
        print(f"network-paths: warning: {w}", file=sys.stderr)
    for p in problems:
        print(f"network-paths: FAIL: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"network-paths: ok   {rendered.name}: every service's calls allowed, and no others")
    return 0


if __name__ == "__main__":
    sys.exit(main())
