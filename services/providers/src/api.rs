//! `seteli.providers.v1.ProvidersService` over gRPC: one line per RPC, each handing the
//! request to its workflow in [`crate::ops`] through `seteli_platform::rpc::unary` (which
//! builds the operation's context and turns its error into a `Status`).

use seteli_api::catalogue::v1 as cpb;
use seteli_api::catalogue::v1::provider_catalogue_service_server::ProviderCatalogueService;
use seteli_api::providers::v1 as pb;
use seteli_api::providers::v1::providers_service_server::ProvidersService;
use seteli_platform::rpc::{self, Answer};
use tonic::Request;

use crate::app::App;
use crate::ops;

/// The registry's gRPC handlers.
#[derive(Debug, Clone)]
pub struct ProvidersApi(App);

impl ProvidersApi {
    /// Handlers over the registry's workflows.
    pub fn new(app: App) -> Self {
        Self(app)
    }
}

#[rustfmt::skip]
#[tonic::async_trait]
impl ProvidersService for ProvidersApi {
    async fn create_provider(&self, r: Request<pb::CreateProviderRequest>) -> Answer<pb::CreateProviderResponse> { rpc::unary(&self.0, r, ops::create_provider).await }
    async fn get_provider(&self, r: Request<pb::GetProviderRequest>) -> Answer<pb::GetProviderResponse> { rpc::unary(&self.0, r, ops::get_provider).await }
    async fn list_providers(&self, r: Request<pb::ListProvidersRequest>) -> Answer<pb::ListProvidersResponse> { rpc::unary(&self.0, r, ops::list_providers).await }
    async fn update_provider(&self, r: Request<pb::UpdateProviderRequest>) -> Answer<pb::UpdateProviderResponse> { rpc::unary(&self.0, r, ops::update_provider).await }
    async fn add_site(&self, r: Request<pb::AddSiteRequest>) -> Answer<pb::AddSiteResponse> { rpc::unary(&self.0, r, ops::add_site).await }
    async fn remove_site(&self, r: Request<pb::RemoveSiteRequest>) -> Answer<pb::RemoveSiteResponse> { rpc::unary(&self.0, r, ops::remove_site).await }
    async fn set_offering(&self, r: Request<pb::SetOfferingRequest>) -> Answer<pb::SetOfferingResponse> { rpc::unary(&self.0, r, ops::set_offering).await }
    async fn remove_offering(&self, r: Request<pb::RemoveOfferingRequest>) -> Answer<pb::RemoveOfferingResponse> { rpc::unary(&self.0, r, ops::remove_offering).await }
    async fn add_staff_member(&self, r: Request<pb::AddStaffMemberRequest>) -> Answer<pb::AddStaffMemberResponse> { rpc::unary(&self.0, r, ops::add_staff_member).await }
    async fn remove_staff_member(&self, r: Request<pb::RemoveStaffMemberRequest>) -> Answer<pb::RemoveStaffMemberResponse> { rpc::unary(&self.0, r, ops::remove_staff_member).await }
    async fn add_document(&self, r: Request<pb::AddDocumentRequest>) -> Answer<pb::AddDocumentResponse> { rpc::unary(&self.0, r, ops::add_document).await }
    async fn remove_document(&self, r: Request<pb::RemoveDocumentRequest>) -> Answer<pb::RemoveDocumentResponse> { rpc::unary(&self.0, r, ops::remove_document).await }
    async fn set_soteri_classes(&self, r: Request<pb::SetSoteriClassesRequest>) -> Answer<pb::SetSoteriClassesResponse> { rpc::unary(&self.0, r, ops::set_soteri_classes).await }
    async fn submit_provider(&self, r: Request<pb::SubmitProviderRequest>) -> Answer<pb::SubmitProviderResponse> { rpc::unary(&self.0, r, ops::submit_provider).await }
    async fn discard_provider_draft(&self, r: Request<pb::DiscardProviderDraftRequest>) -> Answer<pb::DiscardProviderDraftResponse> { rpc::unary(&self.0, r, ops::discard_provider_draft).await }
    async fn approve_provider(&self, r: Request<pb::ApproveProviderRequest>) -> Answer<pb::ApproveProviderResponse> { rpc::unary(&self.0, r, ops::approve_provider).await }
    async fn reject_provider(&self, r: Request<pb::RejectProviderRequest>) -> Answer<pb::RejectProviderResponse> { rpc::unary(&self.0, r, ops::reject_provider).await }
    async fn suspend_provider(&self, r: Request<pb::SuspendProviderRequest>) -> Answer<pb::SuspendProviderResponse> { rpc::unary(&self.0, r, ops::suspend_provider).await }
    async fn resume_provider(&self, r: Request<pb::ResumeProviderRequest>) -> Answer<pb::ResumeProviderResponse> { rpc::unary(&self.0, r, ops::resume_provider).await }
    async fn revoke_provider(&self, r: Request<pb::RevokeProviderRequest>) -> Answer<pb::RevokeProviderResponse> { rpc::unary(&self.0, r, ops::revoke_provider).await }
    async fn search_providers(&self, r: Request<pb::SearchProvidersRequest>) -> Answer<pb::SearchProvidersResponse> { rpc::unary(&self.0, r, ops::search_providers).await }
    async fn check_provider_for_service(&self, r: Request<pb::CheckProviderForServiceRequest>) -> Answer<pb::CheckProviderForServiceResponse> { rpc::unary(&self.0, r, ops::check_provider_for_service).await }
    async fn list_provider_history(&self, r: Request<pb::ListProviderHistoryRequest>) -> Answer<pb::ListProviderHistoryResponse> { rpc::unary(&self.0, r, ops::list_provider_history).await }
    async fn approve_bank_details(&self, r: Request<pb::ApproveBankDetailsRequest>) -> Answer<pb::ApproveBankDetailsResponse> { rpc::unary(&self.0, r, ops::approve_bank_details).await }
    async fn list_provider_changes(&self, r: Request<pb::ListProviderChangesRequest>) -> Answer<pb::ListProviderChangesResponse> { rpc::unary(&self.0, r, ops::list_provider_changes).await }
}

/// The public catalogue's handler (`seteli.catalogue.v1`, served without a token through
/// `seteli_platform::rpc::public_unary`).
#[derive(Debug, Clone)]
pub struct CatalogueApi(App);

impl CatalogueApi {
    /// The handler over the registry's comparison.
    pub fn new(app: App) -> Self {
        Self(app)
    }
}

#[rustfmt::skip]
#[tonic::async_trait]
impl ProviderCatalogueService for CatalogueApi {
    async fn compare_providers(&self, r: Request<cpb::CompareProvidersRequest>) -> Answer<cpb::CompareProvidersResponse> { rpc::public_unary(&self.0, r, ops::compare_providers).await }
}
