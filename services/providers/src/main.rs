//! `seteli-providers`: the provider registry service. Configuration comes from the environment
//! (see `deploy/README.md`); everything else is in the library.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    seteli_platform::server::run_main(seteli_providers::DEFAULTS, seteli_providers::serve).await
}
