//! gRPC handlers of `seteli.reporting.v1.ReportingService`: one line per RPC, each calling its
//! operation in [`crate::ops`] through the platform's RPC boundary.

use seteli_api::reporting::v1 as pb;
use seteli_api::reporting::v1::reporting_service_server::ReportingService;
use seteli_platform::rpc::{Answer, unary};
use tonic::Request;

use crate::ops::{self, App};

/// The reporting service's handlers.
#[derive(Debug, Clone)]
pub struct ReportingApi(pub App);

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn list_obligations(
        &self,
        r: Request<pb::ListObligationsRequest>,
    ) -> Answer<pb::ListObligationsResponse> {
        unary(&self.0, r, ops::list_obligations).await
    }
    async fn get_report(&self, r: Request<pb::GetReportRequest>) -> Answer<pb::GetReportResponse> {
        unary(&self.0, r, ops::get_report).await
    }
    async fn save_report_draft(
        &self,
        r: Request<pb::SaveReportDraftRequest>,
    ) -> Answer<pb::SaveReportDraftResponse> {
        unary(&self.0, r, ops::save_report_draft).await
    }
    async fn submit_report(
        &self,
        r: Request<pb::SubmitReportRequest>,
    ) -> Answer<pb::SubmitReportResponse> {
        unary(&self.0, r, ops::submit_report).await
    }
    async fn acknowledge_report(
        &self,
        r: Request<pb::AcknowledgeReportRequest>,
    ) -> Answer<pb::AcknowledgeReportResponse> {
        unary(&self.0, r, ops::acknowledge_report).await
    }
    async fn request_revision(
        &self,
        r: Request<pb::RequestRevisionRequest>,
    ) -> Answer<pb::RequestRevisionResponse> {
        unary(&self.0, r, ops::request_revision).await
    }
    async fn get_feed_status(
        &self,
        r: Request<pb::GetFeedStatusRequest>,
    ) -> Answer<pb::GetFeedStatusResponse> {
        unary(&self.0, r, ops::get_feed_status).await
    }

    // Delivery (REP-DELIVERY) and the closing checklist
    async fn get_report_pdf(
        &self,
        r: Request<pb::GetReportPdfRequest>,
    ) -> Answer<pb::GetReportPdfResponse> {
        unary(&self.0, r, crate::delivery::get_report_pdf).await
    }
    async fn mark_client_copy_given(
        &self,
        r: Request<pb::MarkClientCopyGivenRequest>,
    ) -> Answer<pb::MarkClientCopyGivenResponse> {
        unary(&self.0, r, crate::delivery::mark_client_copy_given).await
    }
    async fn mark_delivered_to_county(
        &self,
        r: Request<pb::MarkDeliveredToCountyRequest>,
    ) -> Answer<pb::MarkDeliveredToCountyResponse> {
        unary(&self.0, r, crate::delivery::mark_delivered_to_county).await
    }
    async fn get_closing_checklist(
        &self,
        r: Request<pb::GetClosingChecklistRequest>,
    ) -> Answer<pb::GetClosingChecklistResponse> {
        unary(&self.0, r, crate::delivery::get_closing_checklist).await
    }
    async fn mark_closing_item(
        &self,
        r: Request<pb::MarkClosingItemRequest>,
    ) -> Answer<pb::MarkClosingItemResponse> {
        unary(&self.0, r, crate::delivery::mark_closing_item).await
    }
}
