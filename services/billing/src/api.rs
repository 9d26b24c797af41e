//! gRPC handlers of `seteli.billing.v1.BillingService`: one line per RPC, each calling its
//! operation in [`crate::ops`] through the platform's RPC boundary.

use seteli_api::billing::v1 as pb;
use seteli_api::billing::v1::billing_service_server::BillingService;
use seteli_platform::rpc::{Answer, unary};
use tonic::Request;

use crate::app::App;
use crate::ops;

/// The billing service's handlers.
#[derive(Debug, Clone)]
pub struct BillingApi(pub App);

#[tonic::async_trait]
impl BillingService for BillingApi {
    type StreamApprovedInvoicesStream = ops::ApprovedStream;

    async fn generate_invoice(
        &self,
        r: Request<pb::GenerateInvoiceRequest>,
    ) -> Answer<pb::GenerateInvoiceResponse> {
        unary(&self.0, r, ops::generate_invoice).await
    }
    async fn get_invoice(
        &self,
        r: Request<pb::GetInvoiceRequest>,
    ) -> Answer<pb::GetInvoiceResponse> {
        unary(&self.0, r, ops::get_invoice).await
    }
    async fn list_invoices(
        &self,
        r: Request<pb::ListInvoicesRequest>,
    ) -> Answer<pb::ListInvoicesResponse> {
        unary(&self.0, r, ops::list_invoices).await
    }
    async fn submit_invoice(
        &self,
        r: Request<pb::SubmitInvoiceRequest>,
    ) -> Answer<pb::SubmitInvoiceResponse> {
        unary(&self.0, r, ops::submit_invoice).await
    }
    async fn approve_invoice(
        &self,
        r: Request<pb::ApproveInvoiceRequest>,
    ) -> Answer<pb::ApproveInvoiceResponse> {
        unary(&self.0, r, ops::approve_invoice).await
    }
    async fn return_invoice(
        &self,
        r: Request<pb::ReturnInvoiceRequest>,
    ) -> Answer<pb::ReturnInvoiceResponse> {
        unary(&self.0, r, ops::return_invoice).await
    }
    async fn list_approved_invoices(
        &self,
        r: Request<pb::ListApprovedInvoicesRequest>,
    ) -> Answer<pb::ListApprovedInvoicesResponse> {
        unary(&self.0, r, ops::list_approved_invoices).await
    }
    async fn stream_approved_invoices(
        &self,
        r: Request<pb::StreamApprovedInvoicesRequest>,
    ) -> Answer<Self::StreamApprovedInvoicesStream> {
        unary(&self.0, r, ops::stream_approved_invoices).await
    }
    async fn acknowledge_invoices(
        &self,
        r: Request<pb::AcknowledgeInvoicesRequest>,
    ) -> Answer<pb::AcknowledgeInvoicesResponse> {
        unary(&self.0, r, ops::acknowledge_invoices).await
    }
    async fn record_payment(
        &self,
        r: Request<pb::RecordPaymentRequest>,
    ) -> Answer<pb::RecordPaymentResponse> {
        unary(&self.0, r, ops::record_payment).await
    }
    async fn export_invoice(
        &self,
        r: Request<pb::ExportInvoiceRequest>,
    ) -> Answer<pb::ExportInvoiceResponse> {
        unary(&self.0, r, ops::export_invoice).await
    }
}
