//! gRPC handlers of `seteli.reporting.v1.ReportingService`: one line per RPC, each calling its
//! operation in [`crate::ops`] through the platform's RPC boundary.

use seteli_api::reporting::v1 as pb;
use seteli_api::reporting::v1::reporting_service_server::ReportingService;
use seteli_platform::rpc::{Answer, unary};
use tonic::Request;

use crate::app::App;
use crate::ops;

/// The reporting service's handlers.
#[derive(Debug, Clone)]
pub struct ReportingApi(pub App);

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn get_client_feedback_form(
        &self,
        r: Request<pb::GetClientFeedbackFormRequest>,
    ) -> Answer<pb::GetClientFeedbackFormResponse> {
        unary(&self.0, r, ops::get_client_feedback_form).await
    }
    async fn submit_client_feedback(
        &self,
        r: Request<pb::SubmitClientFeedbackRequest>,
    ) -> Answer<pb::SubmitClientFeedbackResponse> {
        unary(&self.0, r, ops::submit_client_feedback).await
    }
    async fn get_client_feedback_summary(
        &self,
        r: Request<pb::GetClientFeedbackSummaryRequest>,
    ) -> Answer<pb::GetClientFeedbackSummaryResponse> {
        unary(&self.0, r, ops::get_client_feedback_summary).await
    }
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

    // Notices, Kela absence notices (ABS-KELA) and the county follow-up
    async fn list_notices(
        &self,
        r: Request<pb::ListNoticesRequest>,
    ) -> Answer<pb::ListNoticesResponse> {
        unary(&self.0, r, ops::list_notices).await
    }
    async fn get_notice(&self, r: Request<pb::GetNoticeRequest>) -> Answer<pb::GetNoticeResponse> {
        unary(&self.0, r, ops::get_notice).await
    }
    async fn notify_change(
        &self,
        r: Request<pb::NotifyChangeRequest>,
    ) -> Answer<pb::NotifyChangeResponse> {
        unary(&self.0, r, ops::notify).await
    }
    async fn notify_damage(
        &self,
        r: Request<pb::NotifyDamageRequest>,
    ) -> Answer<pb::NotifyDamageResponse> {
        unary(&self.0, r, ops::notify).await
    }
    async fn acknowledge_notice(
        &self,
        r: Request<pb::AcknowledgeNoticeRequest>,
    ) -> Answer<pb::AcknowledgeNoticeResponse> {
        unary(&self.0, r, ops::acknowledge_notice).await
    }
    async fn list_kela_notices(
        &self,
        r: Request<pb::ListKelaNoticesRequest>,
    ) -> Answer<pb::ListKelaNoticesResponse> {
        unary(&self.0, r, ops::list_kela_notices).await
    }
    async fn get_kela_notice(
        &self,
        r: Request<pb::GetKelaNoticeRequest>,
    ) -> Answer<pb::GetKelaNoticeResponse> {
        unary(&self.0, r, ops::get_kela_notice).await
    }
    async fn get_kela_notice_pdf(
        &self,
        r: Request<pb::GetKelaNoticePdfRequest>,
    ) -> Answer<pb::GetKelaNoticePdfResponse> {
        unary(&self.0, r, ops::get_kela_notice_pdf).await
    }
    async fn mark_kela_notice_sent(
        &self,
        r: Request<pb::MarkKelaNoticeSentRequest>,
    ) -> Answer<pb::MarkKelaNoticeSentResponse> {
        unary(&self.0, r, ops::mark_kela_notice_sent).await
    }
    async fn get_follow_up(
        &self,
        r: Request<pb::GetFollowUpRequest>,
    ) -> Answer<pb::GetFollowUpResponse> {
        unary(&self.0, r, ops::get_follow_up).await
    }
    async fn export_follow_up_csv(
        &self,
        r: Request<pb::ExportFollowUpCsvRequest>,
    ) -> Answer<pb::ExportFollowUpCsvResponse> {
        unary(&self.0, r, ops::export_follow_up_csv).await
    }

    // Delivery (REP-DELIVERY) and the closing checklist
    async fn get_report_pdf(
        &self,
        r: Request<pb::GetReportPdfRequest>,
    ) -> Answer<pb::GetReportPdfResponse> {
        unary(&self.0, r, ops::get_report_pdf).await
    }
    async fn mark_client_copy_given(
        &self,
        r: Request<pb::MarkClientCopyGivenRequest>,
    ) -> Answer<pb::MarkClientCopyGivenResponse> {
        unary(&self.0, r, ops::mark_client_copy_given).await
    }
    async fn mark_delivered_to_county(
        &self,
        r: Request<pb::MarkDeliveredToCountyRequest>,
    ) -> Answer<pb::MarkDeliveredToCountyResponse> {
        unary(&self.0, r, ops::mark_delivered_to_county).await
    }
    async fn get_closing_checklist(
        &self,
        r: Request<pb::GetClosingChecklistRequest>,
    ) -> Answer<pb::GetClosingChecklistResponse> {
        unary(&self.0, r, ops::get_closing_checklist).await
    }
    async fn mark_closing_item(
        &self,
        r: Request<pb::MarkClosingItemRequest>,
    ) -> Answer<pb::MarkClosingItemResponse> {
        unary(&self.0, r, ops::mark_closing_item).await
    }
}
