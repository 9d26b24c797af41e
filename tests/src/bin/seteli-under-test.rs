//! One Seteli service as a real process, for the tests that must kill it with SIGKILL or run
//! it with command-line flags: `seteli-under-test <service> [flags…]`.
//!
//! It is exactly the service's own `main` (`seteli_platform::server::main_with_args`), configured from
//! the environment like the service's binary, so what a test sees is what a pod runs. The
//! integration tests reach it as `env!("CARGO_BIN_EXE_seteli-under-test")`.

use std::process::ExitCode;

use seteli_platform::server::main_with_args;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let service = args.next().unwrap_or_default();
    let args: Vec<String> = args.collect();
    match service.as_str() {
        "providers" => main_with_args::<seteli_providers::Providers>(args).await,
        "vouchers" => main_with_args::<seteli_vouchers::Vouchers>(args).await,
        "attendance" => main_with_args::<seteli_attendance::Attendance>(args).await,
        "billing" => main_with_args::<seteli_billing::Billing>(args).await,
        "reporting" => main_with_args::<seteli_reporting::Reporting>(args).await,
        other => {
            eprintln!(
                "seteli-under-test: unknown service {other:?} (providers, vouchers, attendance, billing, reporting)"
            );
            ExitCode::from(2)
        }
    }
}
