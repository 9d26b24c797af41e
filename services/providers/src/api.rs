//! gRPC handlers of `seteli.providers.v1.ProvidersService`: decode, authorise, call the rules
//! and the store, encode. Every mutation runs once per `request_id` in one transaction that
//! also records the provider's history.

use chrono::NaiveDate;
use futures::future::BoxFuture;
use seteli_api::providers::v1 as pb;
use seteli_api::providers::v1::providers_service_server::ProvidersService;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::{Caller, Role};
use seteli_platform::convert::{coordinates, service_type, to_money};
use seteli_platform::db::{Database, new_id};
use seteli_platform::error::AppError;
use seteli_platform::idempotency::{Tx, run_once};
use seteli_platform::paging;
use seteli_platform::telemetry::TraceContext;
use seteli_rules::provider::{ProviderFacts, check_approval};
use seteli_rules::{ServiceType, Violation, geo, rule_ids};
use sqlx::AnyConnection;
use tonic::{Request, Response, Status};

use crate::domain::{self, BoundingBox, CeilingPrices, ProviderState};
use crate::prices::CeilingPriceSource;
use crate::store::{self, ChildTable, Detail, Visibility};

/// Default search radius: the rulebooks' 0–20 km (PROV-DISTANCE).
pub const DEFAULT_RADIUS_KM: f64 = 20.0;

/// The provider registry's handlers.
#[derive(Debug, Clone)]
pub struct ProvidersApi {
    db: Database,
    ceiling_prices: CeilingPriceSource,
    today: fn() -> NaiveDate,
}

fn today_in_finland() -> NaiveDate {
    // Finnish local date; rules are dated, so an off-by-one at midnight UTC matters.
    let now = chrono::Utc::now() + chrono::Duration::hours(2);
    now.date_naive()
}

impl ProvidersApi {
    /// Handlers over `db`, checking PROV-PRICE against the prices of `ceiling_prices`.
    pub fn new(db: Database, ceiling_prices: CeilingPriceSource) -> Self {
        Self {
            db,
            ceiling_prices,
            today: today_in_finland,
        }
    }

    /// The ceiling prices in force today (PROV-PRICE), from the vouchers service or the
    /// configuration; asked on behalf of `caller`.
    async fn prices_today(
        &self,
        caller: &Caller,
        trace: Option<&TraceContext>,
    ) -> Result<CeilingPrices, AppError> {
        self.ceiling_prices
            .in_force_on(caller, trace, (self.today)())
            .await
    }

    fn approval_violations(&self, facts: &store::Facts, ceiling: &CeilingPrices) -> Vec<Violation> {
        let today = (self.today)();
        let prices = |s: ServiceType| ceiling.price_on(s, today);
        check_approval(
            &ProviderFacts {
                legal_form: facts.legal_form,
                uses_subcontractors: facts.uses_subcontractors,
                documents: &facts.documents,
                staff: &facts.staff,
                offerings: &facts.offerings,
                soteri_classes: &facts.soteri_classes,
            },
            today,
            &prices,
        )
    }
}

fn trace_of<T>(req: &Request<T>) -> Option<TraceContext> {
    req.extensions().get::<TraceContext>().cloned()
}

fn request_id_of<T>(req: &Request<T>) -> String {
    req.extensions()
        .get::<TraceContext>()
        .map(|t| t.request_id.clone())
        .unwrap_or_default()
}

/// Whether `caller` may see provider `id` in `state`: county roles see all; a provider user
/// sees its own provider and approved ones.
fn may_see(caller: &Caller, id: &str, state: ProviderState) -> bool {
    caller.role != Role::ProviderUser || caller.is_user_of(id) || state == ProviderState::Approved
}

/// Authorises an edit of provider `id`: county admins, and the provider's own users. Another
/// provider's unapproved data answers NOT_FOUND (its existence is not theirs to know).
async fn authorise_edit(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<ProviderState, AppError> {
    let state = store::state_of(conn, id)
        .await?
        .filter(|s| may_see(caller, id, *s))
        .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
    if caller.role == Role::CountyAdmin || caller.is_user_of(id) {
        Ok(state)
    } else {
        Err(AppError::PermissionDenied(
            "only the provider's own users and county administrators edit a provider".into(),
        ))
    }
}

fn not_in_state(action: &str, state: ProviderState) -> AppError {
    AppError::StateConflict(format!(
        "cannot {action} a provider that is {}",
        state.code()
    ))
}

/// One edit of a provider's data, as run inside [`ProvidersApi::edit`].
type Edit = Box<
    dyn for<'t> FnOnce(&'t mut AnyConnection) -> BoxFuture<'t, Result<String, AppError>> + Send,
>;

impl ProvidersApi {
    /// Runs an edit of provider `id`'s data once per request id: authorises, locks the provider,
    /// applies `edit` (which returns a history summary), keeps an approved provider within the
    /// approval rules, records history and answers with the provider.
    #[allow(clippy::too_many_arguments)]
    async fn edit<Req: prost::Message>(
        &self,
        caller: Caller,
        trace: Option<TraceContext>,
        request_id: &str,
        request: &Req,
        action: &'static str,
        id: String,
        edit: Edit,
    ) -> Result<pb::Provider, AppError> {
        let this = self.clone();
        let request_id_owned = request_id.to_owned();
        let scope = caller.clone();
        // An approved provider's edit is checked against today's ceiling prices: ask for them
        // before the transaction, so no lock is held over a call to another service.
        let now = {
            let mut conn = self.db.pool().acquire().await?;
            store::state_of(&mut conn, &id).await?
        };
        let prefetched = if now == Some(ProviderState::Approved) {
            Some(self.prices_today(&caller, trace.as_ref()).await?)
        } else {
            None
        };
        let resp: pb::GetProviderResponse =
            run_once(&self.db, &scope, request_id, request, move |tx: &mut Tx| {
                Box::pin(async move {
                    let conn: &mut AnyConnection = tx;
                    authorise_edit(conn, &caller, &id).await?;
                    let state = store::lock_for_change(conn, &id, ProviderState::EDITABLE)
                        .await?
                        .ok_or_else(|| not_in_state("change", ProviderState::Revoked))?;
                    let summary = edit(conn).await?;
                    if state == ProviderState::Approved {
                        // An approved provider must go on meeting the approval rules.
                        let prices = match prefetched {
                            Some(p) => p,
                            // Approved in the meantime: ask now.
                            None => this.prices_today(&caller, trace.as_ref()).await?,
                        };
                        let facts = store::load_facts(conn, &id).await?;
                        let violations = this.approval_violations(&facts, &prices);
                        if !violations.is_empty() {
                            return Err(AppError::RuleViolations(violations));
                        }
                    }
                    store::record_history(conn, &id, &caller, action, &summary, &request_id_owned)
                        .await?;
                    let provider = store::load_provider(conn, &id, Detail::Full)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
                    Ok(pb::GetProviderResponse {
                        provider: Some(provider),
                    })
                })
            })
            .await?;
        resp.provider
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no provider")))
    }

    /// Runs a change of approval state once per request id: authorises, refuses a change from
    /// a state the transition does not start from, checks every approval rule when the
    /// transition asks for it, records the reasons and the history.
    async fn change_state<R: StateChange>(
        &self,
        request: Request<R>,
        t: &'static Transition,
    ) -> Result<pb::Provider, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        let result = async {
            caller.require(t.roles)?;
            let reasons = match req.reasons() {
                Some((field, given)) => reasons_of(&given, field)?,
                None => Vec::new(),
            };
            self.transition(caller, trace, &req, t, reasons).await
        }
        .await;
        result.map_err(Status::from)
    }

    async fn transition<R: StateChange>(
        &self,
        caller: Caller,
        trace: Option<TraceContext>,
        request: &R,
        t: &'static Transition,
        reasons: Vec<String>,
    ) -> Result<pb::Provider, AppError> {
        let Transition {
            action,
            from,
            to,
            check_rules,
            ..
        } = *t;
        let (request_id, id) = request.ids();
        let id = id.to_owned();
        let this = self.clone();
        let request_id_owned = request_id.to_owned();
        let scope = caller.clone();
        let prices = if check_rules {
            Some(self.prices_today(&caller, trace.as_ref()).await?)
        } else {
            None
        };
        let resp: pb::GetProviderResponse =
            run_once(&self.db, &scope, request_id, request, move |tx: &mut Tx| {
                Box::pin(async move {
                    let conn: &mut AnyConnection = tx;
                    let state = authorise_edit(conn, &caller, &id).await?;
                    if store::lock_for_change(conn, &id, from).await?.is_none() {
                        return Err(not_in_state(action, state));
                    }
                    if let Some(prices) = &prices {
                        let facts = store::load_facts(conn, &id).await?;
                        let violations = this.approval_violations(&facts, prices);
                        if !violations.is_empty() {
                            return Err(AppError::RuleViolations(violations));
                        }
                    }
                    store::set_state(conn, &id, to, &reasons).await?;
                    let summary = if reasons.is_empty() {
                        format!("{} → {}", state.code(), to.code())
                    } else {
                        format!("{} → {}: {}", state.code(), to.code(), reasons.join("; "))
                    };
                    store::record_history(conn, &id, &caller, action, &summary, &request_id_owned)
                        .await?;
                    let provider = store::load_provider(conn, &id, Detail::Full)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
                    Ok(pb::GetProviderResponse {
                        provider: Some(provider),
                    })
                })
            })
            .await?;
        resp.provider
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no provider")))
    }
}

/// One change of a provider's approval state: who may make it, from which states, to which,
/// and whether every approval rule is checked first.
#[derive(Debug)]
struct Transition {
    action: &'static str,
    roles: &'static [Role],
    from: &'static [ProviderState],
    to: ProviderState,
    check_rules: bool,
}

use ProviderState::{Approved, Draft, Rejected, Submitted, Suspended};

const SUBMIT: Transition = Transition {
    action: "SubmitProvider",
    roles: &[Role::ProviderUser, Role::CountyAdmin],
    from: &[Draft, Rejected],
    to: Submitted,
    check_rules: true,
};
const APPROVE: Transition = Transition {
    action: "ApproveProvider",
    roles: &[Role::CountyAdmin],
    from: &[Submitted],
    to: Approved,
    check_rules: true,
};
const REJECT: Transition = Transition {
    action: "RejectProvider",
    roles: &[Role::CountyAdmin],
    from: &[Submitted],
    to: Rejected,
    check_rules: false,
};
const SUSPEND: Transition = Transition {
    action: "SuspendProvider",
    roles: &[Role::CountyAdmin],
    from: &[Approved],
    to: Suspended,
    check_rules: false,
};
const RESUME: Transition = Transition {
    action: "ResumeProvider",
    roles: &[Role::CountyAdmin],
    from: &[Suspended],
    to: Approved,
    check_rules: true,
};
const REVOKE: Transition = Transition {
    action: "RevokeProvider",
    roles: &[Role::CountyAdmin],
    from: &[Approved, Suspended],
    to: ProviderState::Revoked,
    check_rules: false,
};

/// A request that changes a provider's approval state.
trait StateChange: prost::Message + Send + Sync + 'static {
    /// `(request_id, provider_id)`.
    fn ids(&self) -> (&str, &str);
    /// The field holding the reasons, and the reasons, when the change requires them.
    fn reasons(&self) -> Option<(&'static str, Vec<String>)> {
        None
    }
}

macro_rules! state_change {
    ($($t:ty),*) => {$(
        impl StateChange for $t {
            fn ids(&self) -> (&str, &str) {
                (&self.request_id, &self.provider_id)
            }
        }
    )*};
}
state_change!(
    pb::SubmitProviderRequest,
    pb::ApproveProviderRequest,
    pb::ResumeProviderRequest
);

impl StateChange for pb::RejectProviderRequest {
    fn ids(&self) -> (&str, &str) {
        (&self.request_id, &self.provider_id)
    }
    fn reasons(&self) -> Option<(&'static str, Vec<String>)> {
        Some(("reasons", self.reasons.clone()))
    }
}

macro_rules! state_change_with_reason {
    ($($t:ty),*) => {$(
        impl StateChange for $t {
            fn ids(&self) -> (&str, &str) {
                (&self.request_id, &self.provider_id)
            }
            fn reasons(&self) -> Option<(&'static str, Vec<String>)> {
                Some(("reason", vec![self.reason.clone()]))
            }
        }
    )*};
}
state_change_with_reason!(pb::SuspendProviderRequest, pb::RevokeProviderRequest);

fn reasons_of(reasons: &[String], field: &str) -> Result<Vec<String>, AppError> {
    let reasons: Vec<String> = reasons
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if reasons.is_empty() {
        return Err(AppError::invalid(field, "at least one reason is required"));
    }
    Ok(reasons)
}

fn ok<T>(r: Result<T, AppError>) -> Result<Response<T>, Status> {
    r.map(Response::new).map_err(Status::from)
}

#[tonic::async_trait]
impl ProvidersService for ProvidersApi {
    async fn create_provider(
        &self,
        request: Request<pb::CreateProviderRequest>,
    ) -> Result<Response<pb::CreateProviderResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::CountyAdmin])?;
            let details = domain::validate_details(req.details.as_ref())?;
            let c = caller.clone();
            let request_id = req.request_id.clone();
            run_once(
                &self.db,
                &caller,
                &req.request_id,
                &req,
                move |tx: &mut Tx| {
                    Box::pin(async move {
                        let conn: &mut AnyConnection = tx;
                        let id = new_id();
                        store::insert_provider(conn, &id, &details).await?;
                        store::record_history(
                            conn,
                            &id,
                            &c,
                            "CreateProvider",
                            "created as DRAFT",
                            &request_id,
                        )
                        .await?;
                        let provider = store::load_provider(conn, &id, Detail::Full).await?;
                        Ok(pb::CreateProviderResponse { provider })
                    })
                },
            )
            .await
        }
        .await)
    }

    async fn get_provider(
        &self,
        request: Request<pb::GetProviderRequest>,
    ) -> Result<Response<pb::GetProviderResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request_id = request_id_of(&request);
        let req = request.into_inner();
        ok(async {
            let mut conn = self.db.pool().acquire().await?;
            let id = req.provider_id.trim();
            store::state_of(&mut conn, id)
                .await?
                .filter(|s| may_see(&caller, id, *s))
                .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
            let detail = if caller.role == Role::ProviderUser && !caller.is_user_of(id) {
                Detail::Public
            } else {
                Detail::Full
            };
            let provider = store::load_provider(&mut conn, id, detail)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
            if !provider.staff.is_empty() {
                // Staff names are personal data.
                audit::record(
                    &mut *conn,
                    &caller,
                    &request_id,
                    Access {
                        subject_kind: "provider_staff",
                        subject_id: id,
                        action: "GetProvider",
                        purpose: "provider_registry",
                    },
                )
                .await?;
            }
            Ok(pb::GetProviderResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn list_providers(
        &self,
        request: Request<pb::ListProvidersRequest>,
    ) -> Result<Response<pb::ListProvidersResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            let state = ProviderState::from_pb(req.state)?;
            let limit = paging::page_size(req.page_size, 50, 500)?;
            let after = paging::decode_token(&req.page_token)?
                .map(|c| {
                    c.split_once('|')
                        .map(|(n, i)| (n.to_owned(), i.to_owned()))
                        .ok_or_else(|| AppError::invalid("page_token", "malformed"))
                })
                .transpose()?;
            let visibility = match (&caller.role, &caller.provider_id) {
                (Role::ProviderUser, Some(own)) => Visibility::ApprovedAndOwn(own),
                _ => Visibility::All,
            };
            let mut conn = self.db.pool().acquire().await?;
            let mut providers =
                store::list_providers(&mut conn, state, visibility, after, limit + 1).await?;
            let more = providers.len() as i64 > limit;
            providers.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let next_page_token = match providers.last() {
                Some(last) if more => paging::encode_token(&format!(
                    "{}|{}",
                    last.details
                        .as_ref()
                        .map(|d| d.name.as_str())
                        .unwrap_or_default(),
                    last.id
                )),
                _ => String::new(),
            };
            Ok(pb::ListProvidersResponse {
                providers,
                next_page_token,
            })
        }
        .await)
    }

    async fn update_provider(
        &self,
        request: Request<pb::UpdateProviderRequest>,
    ) -> Result<Response<pb::UpdateProviderResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let details = domain::validate_details(req.details.as_ref())?;
            let id = req.provider_id.clone();
            let provider = self
                .edit(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "UpdateProvider",
                    id.clone(),
                    Box::new(move |conn| {
                        Box::pin(async move {
                            store::update_details(conn, &id, &details).await?;
                            Ok("details replaced".to_owned())
                        })
                    }),
                )
                .await?;
            Ok(pb::UpdateProviderResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn add_site(
        &self,
        request: Request<pb::AddSiteRequest>,
    ) -> Result<Response<pb::AddSiteResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let (site, kind) = domain::validate_site(req.site.as_ref())?;
            let id = req.provider_id.clone();
            let provider = self
                .edit(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "AddSite",
                    id.clone(),
                    Box::new(move |conn| {
                        Box::pin(async move {
                            let site_id = store::insert_site(conn, &id, &site, kind).await?;
                            Ok(format!("site {site_id} ({}) added", site.name.trim()))
                        })
                    }),
                )
                .await?;
            Ok(pb::AddSiteResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn remove_site(
        &self,
        request: Request<pb::RemoveSiteRequest>,
    ) -> Result<Response<pb::RemoveSiteResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let provider = self
                .remove_child(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "RemoveSite",
                    &req.provider_id,
                    ChildTable::Sites,
                    &req.site_id,
                )
                .await?;
            Ok(pb::RemoveSiteResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn set_offering(
        &self,
        request: Request<pb::SetOfferingRequest>,
    ) -> Result<Response<pb::SetOfferingResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let (offering, cents) = domain::validate_offering(req.offering.as_ref())?;
            // PROV-PRICE is checked whatever the state: today's ceiling prices first.
            let prices = self.prices_today(&caller, trace.as_ref()).await?;
            let this = self.clone();
            let id = req.provider_id.clone();
            let provider = self
                .edit(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "SetOffering",
                    id.clone(),
                    Box::new(move |conn| {
                        Box::pin(async move {
                            // The offering rules (PROV-PRICE, CAP-GROUP-SIZE, KTT-COMPANY) are checked
                            // now, whatever the state: a price above the ceiling is never stored.
                            let facts = store::load_facts(conn, &id).await?;
                            let only_this = store::Facts {
                                offerings: vec![offering.clone()],
                                ..facts
                            };
                            let violations: Vec<Violation> = this
                                .approval_violations(&only_this, &prices)
                                .into_iter()
                                .filter(|v| {
                                    matches!(
                                        v.rule,
                                        rule_ids::PROV_PRICE
                                            | rule_ids::CAP_GROUP_SIZE
                                            | rule_ids::KTT_COMPANY
                                    )
                                })
                                .collect();
                            if !violations.is_empty() {
                                return Err(AppError::RuleViolations(violations));
                            }
                            let size = i64::from(offering.max_group_size.unwrap_or(0));
                            store::upsert_offering(conn, &id, offering.service, cents, size)
                                .await?;
                            Ok(format!(
                                "offering {} at {} EUR",
                                offering.service.code(),
                                offering.unit_price
                            ))
                        })
                    }),
                )
                .await?;
            Ok(pb::SetOfferingResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn remove_offering(
        &self,
        request: Request<pb::RemoveOfferingRequest>,
    ) -> Result<Response<pb::RemoveOfferingResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let service = service_type("service_type", req.service_type)?;
            let provider = self
                .remove_child(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "RemoveOffering",
                    &req.provider_id,
                    ChildTable::Offerings,
                    service.code(),
                )
                .await?;
            Ok(pb::RemoveOfferingResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn add_staff_member(
        &self,
        request: Request<pb::AddStaffMemberRequest>,
    ) -> Result<Response<pb::AddStaffMemberResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let (staff, qualification) = domain::validate_staff(req.staff_member.as_ref())?;
            let id = req.provider_id.clone();
            let c = caller.clone();
            let request_id = req.request_id.clone();
            let provider = self
                .edit(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "AddStaffMember",
                    id.clone(),
                    Box::new(move |conn| {
                        Box::pin(async move {
                            let staff_id =
                                store::insert_staff(conn, &id, &staff, qualification).await?;
                            audit::record(
                                &mut *conn,
                                &c,
                                &request_id,
                                Access {
                                    subject_kind: "provider_staff",
                                    subject_id: &staff_id,
                                    action: "AddStaffMember",
                                    purpose: "provider_registry",
                                },
                            )
                            .await?;
                            Ok(format!(
                                "staff member {staff_id} ({}) added",
                                qualification.code()
                            ))
                        })
                    }),
                )
                .await?;
            Ok(pb::AddStaffMemberResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn remove_staff_member(
        &self,
        request: Request<pb::RemoveStaffMemberRequest>,
    ) -> Result<Response<pb::RemoveStaffMemberResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let provider = self
                .remove_child(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "RemoveStaffMember",
                    &req.provider_id,
                    ChildTable::Staff,
                    &req.staff_member_id,
                )
                .await?;
            Ok(pb::RemoveStaffMemberResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn add_document(
        &self,
        request: Request<pb::AddDocumentRequest>,
    ) -> Result<Response<pb::AddDocumentResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let (doc, file) = domain::validate_document(req.document.as_ref())?;
            let id = req.provider_id.clone();
            let provider = self
                .edit(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "AddDocument",
                    id.clone(),
                    Box::new(move |conn| {
                        Box::pin(async move {
                            let doc_id = store::insert_document(conn, &id, &doc, &file).await?;
                            Ok(format!("document {doc_id} ({}) added", doc.kind.code()))
                        })
                    }),
                )
                .await?;
            Ok(pb::AddDocumentResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn remove_document(
        &self,
        request: Request<pb::RemoveDocumentRequest>,
    ) -> Result<Response<pb::RemoveDocumentResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let provider = self
                .remove_child(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "RemoveDocument",
                    &req.provider_id,
                    ChildTable::Documents,
                    &req.document_id,
                )
                .await?;
            Ok(pb::RemoveDocumentResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn set_soteri_classes(
        &self,
        request: Request<pb::SetSoteriClassesRequest>,
    ) -> Result<Response<pb::SetSoteriClassesResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            let classes = domain::validate_soteri(&req.soteri_classes)?;
            let id = req.provider_id.clone();
            let provider = self
                .edit(
                    caller,
                    trace,
                    &req.request_id,
                    &req,
                    "SetSoteriClasses",
                    id.clone(),
                    Box::new(move |conn| {
                        Box::pin(async move {
                            store::replace_soteri(conn, &id, &classes).await?;
                            Ok(format!("Soteri classes {classes:?}"))
                        })
                    }),
                )
                .await?;
            Ok(pb::SetSoteriClassesResponse {
                provider: Some(provider),
            })
        }
        .await)
    }

    async fn submit_provider(
        &self,
        request: Request<pb::SubmitProviderRequest>,
    ) -> Result<Response<pb::SubmitProviderResponse>, Status> {
        let provider = self.change_state(request, &SUBMIT).await?;
        Ok(Response::new(pb::SubmitProviderResponse {
            provider: Some(provider),
        }))
    }

    async fn approve_provider(
        &self,
        request: Request<pb::ApproveProviderRequest>,
    ) -> Result<Response<pb::ApproveProviderResponse>, Status> {
        let provider = self.change_state(request, &APPROVE).await?;
        Ok(Response::new(pb::ApproveProviderResponse {
            provider: Some(provider),
        }))
    }

    async fn reject_provider(
        &self,
        request: Request<pb::RejectProviderRequest>,
    ) -> Result<Response<pb::RejectProviderResponse>, Status> {
        let provider = self.change_state(request, &REJECT).await?;
        Ok(Response::new(pb::RejectProviderResponse {
            provider: Some(provider),
        }))
    }

    async fn suspend_provider(
        &self,
        request: Request<pb::SuspendProviderRequest>,
    ) -> Result<Response<pb::SuspendProviderResponse>, Status> {
        let provider = self.change_state(request, &SUSPEND).await?;
        Ok(Response::new(pb::SuspendProviderResponse {
            provider: Some(provider),
        }))
    }

    async fn resume_provider(
        &self,
        request: Request<pb::ResumeProviderRequest>,
    ) -> Result<Response<pb::ResumeProviderResponse>, Status> {
        let provider = self.change_state(request, &RESUME).await?;
        Ok(Response::new(pb::ResumeProviderResponse {
            provider: Some(provider),
        }))
    }

    async fn revoke_provider(
        &self,
        request: Request<pb::RevokeProviderRequest>,
    ) -> Result<Response<pb::RevokeProviderResponse>, Status> {
        let provider = self.change_state(request, &REVOKE).await?;
        Ok(Response::new(pb::RevokeProviderResponse {
            provider: Some(provider),
        }))
    }

    async fn search_providers(
        &self,
        request: Request<pb::SearchProvidersRequest>,
    ) -> Result<Response<pb::SearchProvidersResponse>, Status> {
        let _caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            let service = service_type("service_type", req.service_type)?;
            let near = coordinates("near", req.near.as_ref())?;
            let radius = if req.radius_km == 0.0 {
                DEFAULT_RADIUS_KM
            } else {
                req.radius_km
            };
            if !(radius.is_finite() && radius > 0.0 && radius <= 500.0) {
                return Err(AppError::invalid("radius_km", "between 0 and 500 km"));
            }
            let limit = usize::try_from(paging::page_size(req.page_size, 50, 200)?).unwrap_or(50);
            let mut conn = self.db.pool().acquire().await?;
            let candidates = store::search_candidates(
                &mut conn,
                service,
                BoundingBox::around(near.lat, near.lon, radius),
                service.rulebook_code() == "SK",
            )
            .await?;
            // Nearest place of service per provider, within the radius.
            let mut best: std::collections::HashMap<String, (f64, store::Candidate)> =
                std::collections::HashMap::new();
            for c in candidates {
                let Some(site_point) = c
                    .site
                    .coordinates
                    .and_then(|p| geo::Coordinates::new(p.latitude, p.longitude).ok())
                else {
                    continue;
                };
                let d = geo::distance_km(near, site_point);
                if d > radius {
                    continue;
                }
                match best.get(&c.provider_id) {
                    Some((bd, _)) if *bd <= d => {}
                    _ => {
                        best.insert(c.provider_id.clone(), (d, c));
                    }
                }
            }
            let mut matches: Vec<(f64, store::Candidate)> = best.into_values().collect();
            matches.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
            matches.truncate(limit);
            Ok(pb::SearchProvidersResponse {
                matches: matches
                    .into_iter()
                    .map(|(d, c)| pb::ProviderMatch {
                        provider_id: c.provider_id,
                        name: c.name,
                        nearest_site: Some(c.site),
                        distance_km: (d * 1000.0).round() / 1000.0,
                        unit_price: Some(to_money(c.unit_price_cents)),
                    })
                    .collect(),
            })
        }
        .await)
    }

    async fn check_provider_for_service(
        &self,
        request: Request<pb::CheckProviderForServiceRequest>,
    ) -> Result<Response<pb::CheckProviderForServiceResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            let service = service_type("service_type", req.service_type)?;
            let near = coordinates("near", req.near.as_ref())?;
            let mut conn = self.db.pool().acquire().await?;
            let id = req.provider_id.trim();
            let provider = store::load_provider(&mut conn, id, Detail::Public)
                .await?
                .filter(|p| {
                    domain::parse_state(
                        pb::ProviderState::try_from(p.state)
                            .map(|s| s.as_str_name().trim_start_matches("PROVIDER_STATE_"))
                            .unwrap_or_default(),
                    )
                    .map(|s| may_see(&caller, id, s))
                    .unwrap_or(false)
                })
                .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
            let offering = provider
                .offerings
                .iter()
                .find(|o| o.service_type == req.service_type);
            let counts_for = |s: &pb::Site| {
                s.kind == pb::SiteKind::Site as i32 || service.rulebook_code() == "SK"
            };
            let nearest = provider
                .sites
                .iter()
                .filter(|s| counts_for(s))
                .filter_map(|s| s.coordinates)
                .filter_map(|c| geo::Coordinates::new(c.latitude, c.longitude).ok())
                .map(|c| geo::distance_km(near, c))
                .min_by(f64::total_cmp);
            Ok(pb::CheckProviderForServiceResponse {
                approved: provider.state == pb::ProviderState::Approved as i32,
                offers_service: offering.is_some(),
                unit_price: offering.and_then(|o| o.unit_price),
                nearest_distance_km: nearest.unwrap_or(-1.0),
                name: provider.details.map(|d| d.name).unwrap_or_default(),
            })
        }
        .await)
    }

    async fn list_provider_history(
        &self,
        request: Request<pb::ListProviderHistoryRequest>,
    ) -> Result<Response<pb::ListProviderHistoryResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            let id = req.provider_id.trim();
            let limit = paging::page_size(req.page_size, 100, 500)?;
            let after = paging::decode_token(&req.page_token)?
                .map(|c| {
                    c.split_once('|')
                        .and_then(|(a, i)| a.parse::<i64>().ok().map(|a| (a, i.to_owned())))
                        .ok_or_else(|| AppError::invalid("page_token", "malformed"))
                })
                .transpose()?;
            let mut conn = self.db.pool().acquire().await?;
            store::state_of(&mut conn, id)
                .await?
                .filter(|s| may_see(&caller, id, *s))
                .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
            if !(matches!(caller.role, Role::CountyAdmin | Role::Auditor) || caller.is_user_of(id))
            {
                return Err(AppError::PermissionDenied(
                    "the history is for the county and the provider's own users".into(),
                ));
            }
            let mut rows = store::list_history(&mut conn, id, after, limit + 1).await?;
            let more = rows.len() as i64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let next_page_token = match rows.last() {
                Some((e, row_id)) if more => {
                    paging::encode_token(&format!("{}|{}", e.occurred_at_micros, row_id))
                }
                _ => String::new(),
            };
            Ok(pb::ListProviderHistoryResponse {
                entries: rows.into_iter().map(|(e, _)| e).collect(),
                next_page_token,
            })
        }
        .await)
    }
}

impl ProvidersApi {
    #[allow(clippy::too_many_arguments)]
    async fn remove_child<Req: prost::Message>(
        &self,
        caller: Caller,
        trace: Option<TraceContext>,
        request_id: &str,
        request: &Req,
        action: &'static str,
        provider_id: &str,
        table: ChildTable,
        key: &str,
    ) -> Result<pb::Provider, AppError> {
        if key.trim().is_empty() {
            return Err(AppError::invalid(
                match table {
                    ChildTable::Sites => "site_id",
                    ChildTable::Offerings => "service_type",
                    ChildTable::Staff => "staff_member_id",
                    ChildTable::Documents => "document_id",
                },
                "required",
            ));
        }
        let id = provider_id.to_owned();
        let key = key.trim().to_owned();
        self.edit(
            caller,
            trace,
            request_id,
            request,
            action,
            id.clone(),
            Box::new(move |conn| {
                Box::pin(async move {
                    if !store::delete_child(conn, table, &id, &key).await? {
                        return Err(AppError::NotFound(format!("{key} of provider {id}")));
                    }
                    Ok(format!("{key} removed"))
                })
            }),
        )
        .await
    }
}
