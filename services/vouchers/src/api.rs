//! gRPC handlers of `seteli.vouchers.v1.VouchersService`: one line per RPC, each calling its
//! operation in [`crate::ops`] through the platform's RPC boundary.

use seteli_api::vouchers::v1 as pb;
use seteli_api::vouchers::v1::vouchers_service_server::VouchersService;
use seteli_platform::rpc::{Answer, unary};
use tonic::Request;

use crate::app::App;
use crate::ops;

/// The voucher service's handlers.
#[derive(Debug, Clone)]
pub struct VouchersApi(pub App);

#[tonic::async_trait]
impl VouchersService for VouchersApi {
    async fn compare_providers_for_voucher(
        &self,
        r: Request<pb::CompareProvidersForVoucherRequest>,
    ) -> Answer<pb::CompareProvidersForVoucherResponse> {
        unary(&self.0, r, ops::compare_providers_for_voucher).await
    }
    async fn create_client(
        &self,
        r: Request<pb::CreateClientRequest>,
    ) -> Answer<pb::CreateClientResponse> {
        unary(&self.0, r, ops::create_client).await
    }
    async fn get_client(&self, r: Request<pb::GetClientRequest>) -> Answer<pb::GetClientResponse> {
        unary(&self.0, r, ops::get_client).await
    }
    async fn update_client(
        &self,
        r: Request<pb::UpdateClientRequest>,
    ) -> Answer<pb::UpdateClientResponse> {
        unary(&self.0, r, ops::update_client).await
    }
    async fn list_clients(
        &self,
        r: Request<pb::ListClientsRequest>,
    ) -> Answer<pb::ListClientsResponse> {
        unary(&self.0, r, ops::list_clients).await
    }
    async fn set_ceiling_price(
        &self,
        r: Request<pb::SetCeilingPriceRequest>,
    ) -> Answer<pb::SetCeilingPriceResponse> {
        unary(&self.0, r, ops::set_ceiling_price).await
    }
    async fn get_ceiling_price(
        &self,
        r: Request<pb::GetCeilingPriceRequest>,
    ) -> Answer<pb::GetCeilingPriceResponse> {
        unary(&self.0, r, ops::get_ceiling_price).await
    }
    async fn list_ceiling_prices(
        &self,
        r: Request<pb::ListCeilingPricesRequest>,
    ) -> Answer<pb::ListCeilingPricesResponse> {
        unary(&self.0, r, ops::list_ceiling_prices).await
    }
    async fn issue_voucher(
        &self,
        r: Request<pb::IssueVoucherRequest>,
    ) -> Answer<pb::IssueVoucherResponse> {
        unary(&self.0, r, ops::issue_voucher).await
    }
    async fn get_voucher(
        &self,
        r: Request<pb::GetVoucherRequest>,
    ) -> Answer<pb::GetVoucherResponse> {
        unary(&self.0, r, ops::get_voucher).await
    }
    async fn list_vouchers(
        &self,
        r: Request<pb::ListVouchersRequest>,
    ) -> Answer<pb::ListVouchersResponse> {
        unary(&self.0, r, ops::list_vouchers).await
    }
    async fn choose_provider(
        &self,
        r: Request<pb::ChooseProviderRequest>,
    ) -> Answer<pb::ChooseProviderResponse> {
        unary(&self.0, r, ops::choose_provider).await
    }
    async fn accept_voucher(
        &self,
        r: Request<pb::AcceptVoucherRequest>,
    ) -> Answer<pb::AcceptVoucherResponse> {
        unary(&self.0, r, ops::accept_voucher).await
    }
    async fn decline_voucher(
        &self,
        r: Request<pb::DeclineVoucherRequest>,
    ) -> Answer<pb::DeclineVoucherResponse> {
        unary(&self.0, r, ops::decline_voucher).await
    }
    async fn start_voucher(
        &self,
        r: Request<pb::StartVoucherRequest>,
    ) -> Answer<pb::StartVoucherResponse> {
        unary(&self.0, r, ops::start_voucher).await
    }
    async fn record_units_used(
        &self,
        r: Request<pb::RecordUnitsUsedRequest>,
    ) -> Answer<pb::RecordUnitsUsedResponse> {
        unary(&self.0, r, ops::record_units_used).await
    }
    async fn complete_voucher(
        &self,
        r: Request<pb::CompleteVoucherRequest>,
    ) -> Answer<pb::CompleteVoucherResponse> {
        unary(&self.0, r, ops::complete_voucher).await
    }
    async fn interrupt_voucher(
        &self,
        r: Request<pb::InterruptVoucherRequest>,
    ) -> Answer<pb::InterruptVoucherResponse> {
        unary(&self.0, r, ops::interrupt_voucher).await
    }
    async fn cancel_voucher(
        &self,
        r: Request<pb::CancelVoucherRequest>,
    ) -> Answer<pb::CancelVoucherResponse> {
        unary(&self.0, r, ops::cancel_voucher).await
    }
    async fn expire_vouchers(
        &self,
        r: Request<pb::ExpireVouchersRequest>,
    ) -> Answer<pb::ExpireVouchersResponse> {
        unary(&self.0, r, ops::expire_vouchers).await
    }
    async fn list_voucher_changes(
        &self,
        r: Request<pb::ListVoucherChangesRequest>,
    ) -> Answer<pb::ListVoucherChangesResponse> {
        unary(&self.0, r, ops::list_voucher_changes).await
    }
}
