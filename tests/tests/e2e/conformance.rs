//! The conformance suite, run for every service: one test per check and service.

use seteli_tests::conformance;
use seteli_tests::kit::Svc;

/// One test per check of `seteli_tests::conformance`, each run on `$svc`.
macro_rules! checks {
    ($svc:expr; $($check:ident)*) => {$(
        #[tokio::test]
        async fn $check() {
            conformance::$check($svc).await;
        }
    )*};
}

/// A module of every check per service.
macro_rules! conformance {
    ($($service:ident => $svc:expr;)*) => {$(
        mod $service {
            use super::*;

            checks! { $svc;
                every_rpc_refuses_a_missing_or_bad_token
                public_rpcs_answer_without_a_token
                every_rpc_answers_an_empty_request_from_every_role
                every_error_carries_the_request_id
                health_follows_the_database
                a_drain_reports_not_serving_before_the_server_stops
                reflection_lists_the_service_in_v1_and_v1alpha
                grpc_web_from_an_allowed_origin
                unknown_paths_do_not_grow_the_metrics
                metrics_count_calls_by_method_and_code
            }
        }
    )*};
}

conformance! {
    providers => Svc::Providers;
    vouchers => Svc::Vouchers;
    attendance => Svc::Attendance;
    billing => Svc::Billing;
    reporting => Svc::Reporting;
}
