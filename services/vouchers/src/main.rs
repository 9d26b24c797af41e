//! `seteli-vouchers`: the voucher service. Configuration comes from the environment (see
//! `deploy/README.md`); everything else is in the library.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    seteli_platform::server::run_main(seteli_vouchers::DEFAULTS, seteli_vouchers::serve).await
}
