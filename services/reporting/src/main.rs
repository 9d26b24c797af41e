//! `seteli-reporting`: the reporting service. Configuration comes from the environment (see
//! `deploy/README.md`); everything else is in the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    seteli_platform::server::main::<seteli_reporting::Reporting>().await
}
