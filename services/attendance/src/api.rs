//! gRPC handlers of `seteli.attendance.v1.AttendanceService`: one line per RPC, each calling
//! its operation in [`crate::ops`] through the platform's RPC boundary.

use seteli_api::attendance::v1 as pb;
use seteli_api::attendance::v1::attendance_service_server::AttendanceService;
use seteli_platform::rpc::{Answer, unary};
use tonic::Request;

use crate::app::App;
use crate::ops;

/// The attendance service's handlers.
#[derive(Debug, Clone)]
pub struct AttendanceApi(pub App);

#[tonic::async_trait]
impl AttendanceService for AttendanceApi {
    async fn record_session(
        &self,
        r: Request<pb::RecordSessionRequest>,
    ) -> Answer<pb::RecordSessionResponse> {
        unary(&self.0, r, ops::record_session).await
    }
    async fn get_session(
        &self,
        r: Request<pb::GetSessionRequest>,
    ) -> Answer<pb::GetSessionResponse> {
        unary(&self.0, r, ops::get_session).await
    }
    async fn list_sessions(
        &self,
        r: Request<pb::ListSessionsRequest>,
    ) -> Answer<pb::ListSessionsResponse> {
        unary(&self.0, r, ops::list_sessions).await
    }
    async fn correct_session(
        &self,
        r: Request<pb::CorrectSessionRequest>,
    ) -> Answer<pb::CorrectSessionResponse> {
        unary(&self.0, r, ops::correct_session).await
    }
    async fn void_session(
        &self,
        r: Request<pb::VoidSessionRequest>,
    ) -> Answer<pb::VoidSessionResponse> {
        unary(&self.0, r, ops::void_session).await
    }
    async fn cancel_session(
        &self,
        r: Request<pb::CancelSessionRequest>,
    ) -> Answer<pb::CancelSessionResponse> {
        unary(&self.0, r, ops::cancel_session).await
    }
    async fn get_voucher_usage(
        &self,
        r: Request<pb::GetVoucherUsageRequest>,
    ) -> Answer<pb::GetVoucherUsageResponse> {
        unary(&self.0, r, ops::get_voucher_usage).await
    }
    async fn list_billable_items(
        &self,
        r: Request<pb::ListBillableItemsRequest>,
    ) -> Answer<pb::ListBillableItemsResponse> {
        unary(&self.0, r, ops::list_billable_items).await
    }
    async fn mark_items_invoiced(
        &self,
        r: Request<pb::MarkItemsInvoicedRequest>,
    ) -> Answer<pb::MarkItemsInvoicedResponse> {
        unary(&self.0, r, ops::mark_items_invoiced).await
    }
    async fn record_absence(
        &self,
        r: Request<pb::RecordAbsenceRequest>,
    ) -> Answer<pb::RecordAbsenceResponse> {
        unary(&self.0, r, ops::record_absence).await
    }
    async fn list_absences(
        &self,
        r: Request<pb::ListAbsencesRequest>,
    ) -> Answer<pb::ListAbsencesResponse> {
        unary(&self.0, r, ops::list_absences).await
    }
    async fn list_alerts(
        &self,
        r: Request<pb::ListAlertsRequest>,
    ) -> Answer<pb::ListAlertsResponse> {
        unary(&self.0, r, ops::list_alerts).await
    }
    async fn resolve_alert(
        &self,
        r: Request<pb::ResolveAlertRequest>,
    ) -> Answer<pb::ResolveAlertResponse> {
        unary(&self.0, r, ops::resolve_alert).await
    }
    async fn list_alert_changes(
        &self,
        r: Request<pb::ListAlertChangesRequest>,
    ) -> Answer<pb::ListAlertChangesResponse> {
        unary(&self.0, r, ops::list_alert_changes).await
    }
    async fn get_feed_status(
        &self,
        r: Request<pb::GetFeedStatusRequest>,
    ) -> Answer<pb::GetFeedStatusResponse> {
        unary(&self.0, r, ops::get_feed_status).await
    }
    async fn create_group(
        &self,
        r: Request<pb::CreateGroupRequest>,
    ) -> Answer<pb::CreateGroupResponse> {
        unary(&self.0, r, ops::create_group).await
    }
    async fn get_group(&self, r: Request<pb::GetGroupRequest>) -> Answer<pb::GetGroupResponse> {
        unary(&self.0, r, ops::get_group).await
    }
    async fn list_groups(
        &self,
        r: Request<pb::ListGroupsRequest>,
    ) -> Answer<pb::ListGroupsResponse> {
        unary(&self.0, r, ops::list_groups).await
    }
    async fn enrol_client(
        &self,
        r: Request<pb::EnrolClientRequest>,
    ) -> Answer<pb::EnrolClientResponse> {
        unary(&self.0, r, ops::enrol_client).await
    }
    async fn withdraw_enrolment(
        &self,
        r: Request<pb::WithdrawEnrolmentRequest>,
    ) -> Answer<pb::WithdrawEnrolmentResponse> {
        unary(&self.0, r, ops::withdraw_enrolment).await
    }
    async fn record_group_session(
        &self,
        r: Request<pb::RecordGroupSessionRequest>,
    ) -> Answer<pb::RecordGroupSessionResponse> {
        unary(&self.0, r, ops::record_group_session).await
    }
    async fn cancel_group(
        &self,
        r: Request<pb::CancelGroupRequest>,
    ) -> Answer<pb::CancelGroupResponse> {
        unary(&self.0, r, ops::cancel_group).await
    }
    async fn delay_group_start(
        &self,
        r: Request<pb::DelayGroupStartRequest>,
    ) -> Answer<pb::DelayGroupStartResponse> {
        unary(&self.0, r, ops::delay_group_start).await
    }
    async fn list_usage_changes(
        &self,
        r: Request<pb::ListUsageChangesRequest>,
    ) -> Answer<pb::ListUsageChangesResponse> {
        unary(&self.0, r, ops::list_usage_changes).await
    }
    async fn list_voucher_activity(
        &self,
        r: Request<pb::ListVoucherActivityRequest>,
    ) -> Answer<pb::ListVoucherActivityResponse> {
        unary(&self.0, r, ops::list_voucher_activity).await
    }
}
