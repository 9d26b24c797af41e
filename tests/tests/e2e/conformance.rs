//! The conformance suite, run for every service: one test per check and service.

use seteli_tests::conformance;
use seteli_tests::kit::Svc;

macro_rules! conformance {
    ($($service:ident => $svc:expr;)*) => {$(
        mod $service {
            use super::*;

            #[tokio::test]
            async fn every_rpc_refuses_a_missing_or_bad_token() {
                conformance::every_rpc_refuses_a_missing_or_bad_token($svc).await;
            }

            #[tokio::test]
            async fn every_rpc_answers_an_empty_request_from_every_role() {
                conformance::every_rpc_answers_an_empty_request_from_every_role($svc).await;
            }

            #[tokio::test]
            async fn every_error_carries_the_request_id() {
                conformance::every_error_carries_the_request_id($svc).await;
            }

            #[tokio::test]
            async fn health_follows_the_database() {
                conformance::health_follows_the_database($svc).await;
            }

            #[tokio::test]
            async fn a_drain_reports_not_serving_before_the_server_stops() {
                conformance::a_drain_reports_not_serving_before_the_server_stops($svc).await;
            }

            #[tokio::test]
            async fn reflection_lists_the_service_in_v1_and_v1alpha() {
                conformance::reflection_lists_the_service_in_v1_and_v1alpha($svc).await;
            }

            #[tokio::test]
            async fn grpc_web_from_an_allowed_origin() {
                conformance::grpc_web_from_an_allowed_origin($svc).await;
            }

            #[tokio::test]
            async fn unknown_paths_do_not_grow_the_metrics() {
                conformance::unknown_paths_do_not_grow_the_metrics($svc).await;
            }

            #[tokio::test]
            async fn metrics_count_calls_by_method_and_code() {
                conformance::metrics_count_calls_by_method_and_code($svc).await;
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
