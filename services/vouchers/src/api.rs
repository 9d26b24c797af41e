//! gRPC handlers of `seteli.vouchers.v1.VouchersService`: decode, authorise, call the rules and
//! the store, encode. Every mutation runs once per `request_id` in one transaction that also
//! writes the audit entry for the client and appends to the change feed.

use chrono::{Datelike, NaiveDate};
use futures::future::BoxFuture;
use seteli_api::common::v1::Coordinates;
use seteli_api::vouchers::v1 as pb;
use seteli_api::vouchers::v1::vouchers_service_server::VouchersService;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::{Caller, Role};
use seteli_platform::convert::{date, service_type};
use seteli_platform::db::{Database, new_id};
use seteli_platform::error::AppError;
use seteli_platform::idempotency::{self, Tx, run_once};
use seteli_platform::paging;
use seteli_platform::telemetry::TraceContext;
use seteli_rules::process::{ProcessConfig, StartFacts, check_start};
use seteli_rules::rule_ids::{CAP_UNITS, TERM_VALIDITY};
use seteli_rules::{ServiceType, Violation, check_distance};
use sqlx::AnyConnection;
use tonic::{Request, Response, Status};

use crate::domain::{self, ChangeKind, PROVIDER_NOT_APPROVED, SERVICE_NOT_OFFERED, VoucherState};
use crate::store::{self, VoucherFilter, VoucherRow};
use crate::upstream::Providers;

/// Subject kind of every audit entry this service writes.
const CLIENT: &str = "client";

/// The voucher service's handlers.
#[derive(Debug, Clone)]
pub struct VouchersApi {
    db: Database,
    providers: Providers,
    distance_limit_km: f64,
}

impl VouchersApi {
    /// Handlers over `db`, asking `providers`; PROV-DISTANCE with `distance_limit_km`.
    pub fn new(db: Database, providers: Providers, distance_limit_km: f64) -> Self {
        Self {
            db,
            providers,
            distance_limit_km,
        }
    }
}

fn ok<T>(r: Result<T, AppError>) -> Result<Response<T>, Status> {
    r.map(Response::new).map_err(Status::from)
}

fn trace_of<T>(req: &Request<T>) -> Option<TraceContext> {
    req.extensions().get::<TraceContext>().cloned()
}

fn request_id_of(trace: Option<&TraceContext>) -> String {
    trace.map(|t| t.request_id.clone()).unwrap_or_default()
}

const COUNTY_CLIENT_ROLES: &[Role] = &[Role::SocialWorker, Role::CountyAdmin];
const VOUCHER_READERS: &[Role] = &[
    Role::SocialWorker,
    Role::CountyAdmin,
    Role::FinanceSystem,
    Role::ProviderUser,
];

/// Whether `caller` may know voucher `v` exists: county roles see all; a provider's user only
/// vouchers whose chosen provider is its own.
fn visible(caller: &Caller, v: &VoucherRow) -> bool {
    match caller.role {
        Role::ProviderUser => v
            .chosen_provider
            .as_deref()
            .is_some_and(|p| caller.is_user_of(p)),
        Role::SocialWorker | Role::CountyAdmin | Role::FinanceSystem => true,
        Role::Auditor => false,
    }
}

/// The voucher as a provider's user sees it: the decision without eligibility facts.
fn provider_view(v: &pb::Voucher) -> pb::Voucher {
    let mut out = v.clone();
    out.decision = v.decision.as_ref().map(domain::decision_for_provider);
    out
}

/// The voucher as the change feed carries it: no client personal data, no eligibility facts.
pub fn feed_view(v: &pb::Voucher) -> pb::Voucher {
    let mut out = provider_view(v);
    out.client = v.client.as_ref().map(|c| pb::ClientSummary {
        client_id: c.client_id.clone(),
        ..Default::default()
    });
    out
}

fn view_for(caller: &Caller, v: &pb::Voucher) -> pb::Voucher {
    if caller.role == Role::ProviderUser {
        provider_view(v)
    } else {
        v.clone()
    }
}

/// A client as a provider's user sees it: name and masked identity code.
fn client_for_provider(c: &pb::Client) -> pb::Client {
    pb::Client {
        id: c.id.clone(),
        identity_code_masked: c.identity_code_masked.clone(),
        name: c.name.clone(),
        version: c.version,
        created_at_micros: c.created_at_micros,
        updated_at_micros: c.updated_at_micros,
        ..Default::default()
    }
}

fn not_in_state(verb: &str, state: VoucherState) -> AppError {
    AppError::StateConflict(format!("cannot {verb} a voucher that is {}", state.code()))
}

fn required_id(field: &str, value: &str) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.len() > 100 {
        return Err(AppError::invalid(field, "required"));
    }
    Ok(v.to_owned())
}

/// TERM-VALIDITY: units and starts only within the voucher's validity.
fn within_validity(v: &VoucherRow, on: NaiveDate) -> Result<(), AppError> {
    if on < v.valid_from || on > v.valid_until {
        return Err(AppError::RuleViolations(vec![Violation::of(
            TERM_VALIDITY,
            format!(
                "Päivä {on} ei ole setelin voimassaoloaikana {}–{}.",
                v.valid_from, v.valid_until
            ),
            format!(
                "{on} is outside the voucher's validity {} to {}.",
                v.valid_from, v.valid_until
            ),
        )]));
    }
    Ok(())
}

/// One change of a voucher, run inside [`VouchersApi::mutate`]: gets the voucher as loaded in
/// the transaction, makes its conditional UPDATE, and returns the feed entries to append.
type Op = Box<
    dyn for<'t> FnOnce(
            &'t mut AnyConnection,
            &'t VoucherRow,
        ) -> BoxFuture<'t, Result<Vec<ChangeKind>, AppError>>
        + Send,
>;

impl VouchersApi {
    /// Runs a change of voucher `id` once per request id: loads it (NOT_FOUND when the caller
    /// may not see it), applies `op`, audits the client access, appends the feed entries and
    /// answers with the voucher as the caller may see it.
    async fn mutate<Req: prost::Message>(
        &self,
        caller: Caller,
        request_id: &str,
        request: &Req,
        action: &'static str,
        id: String,
        op: Op,
    ) -> Result<pb::Voucher, AppError> {
        let request_id_owned = request_id.to_owned();
        let scope = caller.clone();
        let resp: pb::GetVoucherResponse =
            run_once(&self.db, &scope, request_id, request, move |tx: &mut Tx| {
                Box::pin(async move {
                    let conn: &mut AnyConnection = tx;
                    let before = store::load_voucher(conn, &id)
                        .await?
                        .filter(|v| visible(&caller, v))
                        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                    let kinds = op(conn, &before).await?;
                    let after = store::load_voucher(conn, &id)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                    audit_client(
                        &mut *conn,
                        &caller,
                        &request_id_owned,
                        &after.client_id,
                        action,
                        "voucher_service",
                    )
                    .await?;
                    for kind in kinds {
                        store::append_change(
                            conn,
                            &after,
                            before.chosen_provider.as_deref(),
                            kind,
                            &caller,
                            &request_id_owned,
                        )
                        .await?;
                    }
                    Ok(pb::GetVoucherResponse {
                        voucher: Some(view_for(&caller, &after.view)),
                    })
                })
            })
            .await?;
        resp.voucher
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no voucher")))
    }

    /// Loads a visible voucher outside a transaction.
    async fn visible_voucher(&self, caller: &Caller, id: &str) -> Result<VoucherRow, AppError> {
        let mut conn = self.db.pool().acquire().await?;
        store::load_voucher(&mut conn, id)
            .await?
            .filter(|v| visible(caller, v))
            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))
    }
}

#[tonic::async_trait]
impl VouchersService for VouchersApi {
    async fn create_client(
        &self,
        request: Request<pb::CreateClientRequest>,
    ) -> Result<Response<pb::CreateClientResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(COUNTY_CLIENT_ROLES)?;
            let input = domain::validate_client(req.details.as_ref())?;
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
                        store::insert_client(conn, &id, &input).await?;
                        audit_client(
                            &mut *conn,
                            &c,
                            &request_id,
                            &id,
                            "CreateClient",
                            "client_register",
                        )
                        .await?;
                        let client = store::load_client(conn, &id).await?;
                        Ok(pb::CreateClientResponse { client })
                    })
                },
            )
            .await
        }
        .await)
    }

    async fn get_client(
        &self,
        request: Request<pb::GetClientRequest>,
    ) -> Result<Response<pb::GetClientResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::SocialWorker, Role::CountyAdmin, Role::ProviderUser])?;
            let id = required_id("client_id", &req.client_id)?;
            let mut conn = self.db.pool().acquire().await?;
            let not_found = || AppError::NotFound(format!("client {id}"));
            if let (Role::ProviderUser, Some(own)) = (caller.role, caller.provider_id.as_deref())
                && !store::client_has_voucher_with(&mut conn, &id, own).await?
            {
                return Err(not_found());
            }
            let client = store::load_client(&mut conn, &id)
                .await?
                .ok_or_else(not_found)?;
            let purpose = if caller.role == Role::ProviderUser {
                "service_delivery"
            } else {
                "client_register"
            };
            audit_client(
                &mut *conn,
                &caller,
                &request_id_of(trace.as_ref()),
                &id,
                "GetClient",
                purpose,
            )
            .await?;
            let client = if caller.role == Role::ProviderUser {
                client_for_provider(&client)
            } else {
                client
            };
            Ok(pb::GetClientResponse {
                client: Some(client),
            })
        }
        .await)
    }

    async fn update_client(
        &self,
        request: Request<pb::UpdateClientRequest>,
    ) -> Result<Response<pb::UpdateClientResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(COUNTY_CLIENT_ROLES)?;
            let id = required_id("client_id", &req.client_id)?;
            let input = domain::validate_client(req.details.as_ref())?;
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
                        if !store::update_client(conn, &id, &input).await? {
                            return Err(AppError::NotFound(format!("client {id}")));
                        }
                        audit_client(
                            &mut *conn,
                            &c,
                            &request_id,
                            &id,
                            "UpdateClient",
                            "client_register",
                        )
                        .await?;
                        let client = store::load_client(conn, &id).await?;
                        Ok(pb::UpdateClientResponse { client })
                    })
                },
            )
            .await
        }
        .await)
    }

    async fn list_clients(
        &self,
        request: Request<pb::ListClientsRequest>,
    ) -> Result<Response<pb::ListClientsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            caller.require(COUNTY_CLIENT_ROLES)?;
            let limit = paging::page_size(req.page_size, 50, 500)?;
            let identity_code = if req.identity_code.trim().is_empty() {
                String::new()
            } else {
                seteli_rules::ids::parse_hetu(&req.identity_code)
                    .map_err(|e| AppError::invalid("identity_code", e.to_string()))?
                    .to_string()
            };
            let after = paging::decode_token(&req.page_token)?
                .map(|c| {
                    c.split_once('|')
                        .map(|(n, i)| (n.to_owned(), i.to_owned()))
                        .ok_or_else(|| AppError::invalid("page_token", "malformed"))
                })
                .transpose()?;
            let mut conn = self.db.pool().acquire().await?;
            let mut clients =
                store::list_clients(&mut conn, &identity_code, after, limit + 1).await?;
            let more = clients.len() as i64 > limit;
            clients.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let request_id = request_id_of(trace.as_ref());
            for c in &clients {
                audit_client(
                    &mut *conn,
                    &caller,
                    &request_id,
                    &c.id,
                    "ListClients",
                    "client_register",
                )
                .await?;
            }
            let next_page_token = match clients.last() {
                Some(last) if more => paging::encode_token(&format!("{}|{}", last.name, last.id)),
                _ => String::new(),
            };
            for c in &mut clients {
                // Lists show the masked identity code only.
                c.identity_code.clear();
            }
            Ok(pb::ListClientsResponse {
                clients,
                next_page_token,
            })
        }
        .await)
    }

    async fn set_ceiling_price(
        &self,
        request: Request<pb::SetCeilingPriceRequest>,
    ) -> Result<Response<pb::SetCeilingPriceResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::CountyAdmin])?;
            let mut errors = seteli_platform::FieldErrors::new();
            let service = errors.take(
                "service_type",
                service_type("service_type", req.service_type).map_err(describe),
            );
            let from = errors.take(
                "effective_from",
                date("effective_from", req.effective_from.as_ref()).map_err(describe),
            );
            let cents = req.unit_price.map(|m| m.cents);
            errors.check(
                !cents.is_some_and(|c| (1..=100_000_000).contains(&c)),
                "unit_price",
                "required: a positive amount of cents, at most 1 000 000 EUR",
            );
            errors.finish()?;
            let (Some(service), Some(from), Some(cents)) = (service, from, cents) else {
                return Err(AppError::invalid("service_type", "invalid"));
            };
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
                        let row = store::insert_price(conn, &c, &request_id, service, from, cents)
                            .await?;
                        Ok(pb::SetCeilingPriceResponse {
                            ceiling_price: Some(row.price),
                        })
                    })
                },
            )
            .await
        }
        .await)
    }

    async fn get_ceiling_price(
        &self,
        request: Request<pb::GetCeilingPriceRequest>,
    ) -> Result<Response<pb::GetCeilingPriceResponse>, Status> {
        let _caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            let service = service_type("service_type", req.service_type)?;
            let on = match &req.on {
                Some(d) => date("on", Some(d))?,
                None => domain::today_in_finland(),
            };
            let mut conn = self.db.pool().acquire().await?;
            let row = store::price_on(&mut conn, service, on)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "no ceiling price of {} in force on {on}",
                        service.code()
                    ))
                })?;
            Ok(pb::GetCeilingPriceResponse {
                ceiling_price: Some(row.price),
            })
        }
        .await)
    }

    async fn list_ceiling_prices(
        &self,
        request: Request<pb::ListCeilingPricesRequest>,
    ) -> Result<Response<pb::ListCeilingPricesResponse>, Status> {
        let _caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            let service = if req.service_type == 0 {
                None
            } else {
                Some(service_type("service_type", req.service_type)?)
            };
            let limit = paging::page_size(req.page_size, 100, 500)?;
            let mut conn = self.db.pool().acquire().await?;
            if let Some(d) = &req.in_force_on {
                let on = date("in_force_on", Some(d))?;
                let mut ceiling_prices = Vec::new();
                for s in ServiceType::ALL
                    .into_iter()
                    .filter(|s| service.is_none_or(|x| x == *s))
                {
                    if let Some(row) = store::price_on(&mut conn, s, on).await? {
                        ceiling_prices.push(row.price);
                    }
                }
                return Ok(pb::ListCeilingPricesResponse {
                    ceiling_prices,
                    next_page_token: String::new(),
                });
            }
            let after = paging::decode_token(&req.page_token)?
                .map(|c| {
                    let mut parts = c.splitn(3, '|');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(s), Some(d), Some(q)) => q
                            .parse::<i64>()
                            .map(|q| (s.to_owned(), d.to_owned(), q))
                            .map_err(|_| AppError::invalid("page_token", "malformed")),
                        _ => Err(AppError::invalid("page_token", "malformed")),
                    }
                })
                .transpose()?;
            let mut rows = store::list_prices(&mut conn, service, after, limit + 1).await?;
            let more = rows.len() as i64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let next_page_token = match rows.last() {
                Some(last) if more => paging::encode_token(&format!(
                    "{}|{}|{}",
                    last.service, last.effective_from, last.seq
                )),
                _ => String::new(),
            };
            Ok(pb::ListCeilingPricesResponse {
                ceiling_prices: rows.into_iter().map(|r| r.price).collect(),
                next_page_token,
            })
        }
        .await)
    }

    async fn issue_voucher(
        &self,
        request: Request<pb::IssueVoucherRequest>,
    ) -> Result<Response<pb::IssueVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::SocialWorker])?;
            let decision = domain::validate_decision(req.decision.as_ref())?;
            let c = caller.clone();
            let request_id = req.request_id.clone();
            let year = domain::today_in_finland().year();
            let resp: pb::GetVoucherResponse = run_once(
                &self.db,
                &caller,
                &req.request_id,
                &req,
                move |tx: &mut Tx| {
                    Box::pin(async move {
                        let conn: &mut AnyConnection = tx;
                        // The client's issue lock first: overlap checks of one client's
                        // decisions run one after the other (VOUCHER-EXTENSION).
                        let client = store::lock_client_for_issue(conn, &decision.client_id)
                            .await?
                            .ok_or_else(|| {
                                AppError::NotFound(format!("client {}", decision.client_id))
                            })?;
                        // VOUCHER-VALUE: the ceiling price in force on the decision date.
                        let price = store::price_on(conn, decision.service, decision.decision_date)
                            .await?
                            .map(|p| p.cents);
                        let existing = store::client_vouchers(conn, &decision.client_id).await?;
                        let evaluated =
                            domain::evaluate_decision(&decision, &client, price, &existing)?;
                        let number = store::next_voucher_number(conn, year).await?;
                        let id = new_id();
                        store::insert_voucher(
                            conn, &id, &number, &decision, &evaluated, &c.subject,
                        )
                        .await?;
                        audit_client(
                            &mut *conn,
                            &c,
                            &request_id,
                            &decision.client_id,
                            "IssueVoucher",
                            "voucher_issuance",
                        )
                        .await?;
                        let v = store::load_voucher(conn, &id)
                            .await?
                            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                        store::append_change(conn, &v, None, ChangeKind::Issued, &c, &request_id)
                            .await?;
                        Ok(pb::GetVoucherResponse {
                            voucher: Some(v.view),
                        })
                    })
                },
            )
            .await?;
            Ok(pb::IssueVoucherResponse {
                voucher: resp.voucher,
            })
        }
        .await)
    }

    async fn get_voucher(
        &self,
        request: Request<pb::GetVoucherRequest>,
    ) -> Result<Response<pb::GetVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            caller.require(VOUCHER_READERS)?;
            let mut conn = self.db.pool().acquire().await?;
            let (what, row) = if !req.voucher_id.trim().is_empty() {
                let id = req.voucher_id.trim();
                (id.to_owned(), store::load_voucher(&mut conn, id).await?)
            } else if !req.voucher_number.trim().is_empty() {
                let n = req.voucher_number.trim().to_ascii_uppercase();
                let row = store::load_voucher_by_number(&mut conn, &n).await?;
                (n, row)
            } else {
                return Err(AppError::invalid(
                    "voucher_id",
                    "required: a voucher id or a voucher number",
                ));
            };
            let v = row
                .filter(|v| visible(&caller, v))
                .ok_or_else(|| AppError::NotFound(format!("voucher {what}")))?;
            audit_client(
                &mut *conn,
                &caller,
                &request_id_of(trace.as_ref()),
                &v.client_id,
                "GetVoucher",
                "voucher_service",
            )
            .await?;
            Ok(pb::GetVoucherResponse {
                voucher: Some(view_for(&caller, &v.view)),
            })
        }
        .await)
    }

    async fn list_vouchers(
        &self,
        request: Request<pb::ListVouchersRequest>,
    ) -> Result<Response<pb::ListVouchersResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            caller.require(VOUCHER_READERS)?;
            let limit = paging::page_size(req.page_size, 50, 500)?;
            let state = VoucherState::from_pb(req.state)?;
            let mut filter = VoucherFilter {
                client_id: req.client_id.trim().to_owned(),
                provider_id: req.provider_id.trim().to_owned(),
                state: state.map(|s| s.code().to_owned()).unwrap_or_default(),
                valid_on_or_after: match &req.valid_from {
                    Some(d) => seteli_platform::convert::store_date(date("valid_from", Some(d))?),
                    None => String::new(),
                },
                valid_on_or_before: match &req.valid_until {
                    Some(d) => seteli_platform::convert::store_date(date("valid_until", Some(d))?),
                    None => String::new(),
                },
            };
            if let (Role::ProviderUser, Some(own)) = (caller.role, caller.provider_id.as_deref()) {
                // A provider's user sees only its own provider's vouchers.
                if !filter.provider_id.is_empty() && filter.provider_id != own {
                    return Ok(pb::ListVouchersResponse::default());
                }
                filter.provider_id = own.to_owned();
            }
            let before = paging::decode_token(&req.page_token)?
                .map(|c| {
                    c.split_once('|')
                        .and_then(|(a, i)| a.parse::<i64>().ok().map(|a| (a, i.to_owned())))
                        .ok_or_else(|| AppError::invalid("page_token", "malformed"))
                })
                .transpose()?;
            let mut conn = self.db.pool().acquire().await?;
            let mut rows = store::list_vouchers(&mut conn, &filter, before, limit + 1).await?;
            let more = rows.len() as i64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let request_id = request_id_of(trace.as_ref());
            let mut audited: Vec<&str> = Vec::new();
            for v in &rows {
                if audited.contains(&v.client_id.as_str()) {
                    continue;
                }
                audited.push(&v.client_id);
                audit_client(
                    &mut *conn,
                    &caller,
                    &request_id,
                    &v.client_id,
                    "ListVouchers",
                    "voucher_service",
                )
                .await?;
            }
            let next_page_token = match rows.last() {
                Some(last) if more => {
                    paging::encode_token(&format!("{}|{}", last.view.created_at_micros, last.id))
                }
                _ => String::new(),
            };
            Ok(pb::ListVouchersResponse {
                vouchers: rows.iter().map(|v| view_for(&caller, &v.view)).collect(),
                next_page_token,
            })
        }
        .await)
    }

    async fn choose_provider(
        &self,
        request: Request<pb::ChooseProviderRequest>,
    ) -> Result<Response<pb::ChooseProviderResponse>, Status> {
        let caller = Caller::of(&request)?;
        let trace = trace_of(&request);
        let req = request.into_inner();
        ok(async {
            caller.require(COUNTY_CLIENT_ROLES)?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let provider_id = required_id("provider_id", &req.provider_id)?;
            // A retry of a completed choice answers from the store, even with providers down.
            if let Some(first) =
                idempotency::answered(&self.db, &caller, &req.request_id, &req).await?
            {
                return Ok(first);
            }
            let v = self.visible_voucher(&caller, &id).await?;
            let home = {
                let mut conn = self.db.pool().acquire().await?;
                store::load_client(&mut conn, &v.client_id)
                    .await?
                    .and_then(|c| c.home_coordinates)
                    .ok_or_else(|| AppError::NotFound(format!("client {}", v.client_id)))?
            };
            let exemption = v
                .view
                .decision
                .as_ref()
                .is_some_and(|d| d.distance_exemption.is_some());
            // Asked before the transaction: no database lock is held over a network call.
            let check = self
                .providers
                .check(
                    &caller,
                    trace.as_ref(),
                    &provider_id,
                    v.view
                        .decision
                        .as_ref()
                        .map(|d| d.service_type)
                        .unwrap_or_default(),
                    Coordinates {
                        latitude: home.latitude,
                        longitude: home.longitude,
                    },
                )
                .await?;
            let mut violations = Vec::new();
            if !check.approved {
                violations.push(Violation::new(
                    PROVIDER_NOT_APPROVED,
                    "",
                    format!("Palveluntuottaja {} ei ole hyväksytty.", check.name),
                    format!("Provider {} is not approved.", check.name),
                ));
            }
            if !check.offers_service {
                violations.push(Violation::new(
                    SERVICE_NOT_OFFERED,
                    "",
                    format!(
                        "Palveluntuottaja {} ei tarjoa palvelua {}.",
                        check.name,
                        v.service.code()
                    ),
                    format!(
                        "Provider {} does not offer {}.",
                        check.name,
                        v.service.code()
                    ),
                ));
            }
            // PROV-DISTANCE: a place of service within the limit, unless the decision exempts.
            // A provider with no place of service that counts (negative distance) is never near.
            violations.extend(check_distance(
                check.nearest_distance_km,
                self.distance_limit_km,
                exemption,
            ));
            if !violations.is_empty() {
                return Err(AppError::RuleViolations(violations));
            }
            let name = check.name.clone();
            let distance = (check.nearest_distance_km.max(0.0) * 1000.0).round() / 1000.0;
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "ChooseProvider",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            if !store::choose_provider(conn, &v.id, &provider_id, &name, distance)
                                .await?
                            {
                                return Err(not_in_state("choose a provider for", v.state));
                            }
                            Ok(vec![ChangeKind::ProviderChosen])
                        })
                    }),
                )
                .await?;
            Ok(pb::ChooseProviderResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn accept_voucher(
        &self,
        request: Request<pb::AcceptVoucherRequest>,
    ) -> Result<Response<pb::AcceptVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::ProviderUser])?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let coach = req.responsible_coach.trim().to_owned();
            if coach.chars().count() > 200 {
                return Err(AppError::invalid(
                    "responsible_coach",
                    "at most 200 characters",
                ));
            }
            let steward = match &req.steward_notified_on {
                Some(d) => Some(date("steward_notified_on", Some(d))?),
                None => None,
            };
            let own = caller.provider_id.clone().unwrap_or_default();
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "AcceptVoucher",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            // PROC-COACH, KTT-STEWARD: the start checklist, as of acceptance.
                            let today = domain::today_in_finland();
                            let violations: Vec<Violation> = check_start(
                                &StartFacts {
                                    service: v.service,
                                    ordered_on: today,
                                    agreed_start: None,
                                    started_on: Some(today),
                                    as_of: today,
                                    responsible_coach_named: !coach.is_empty(),
                                    steward_notified: steward.is_some(),
                                },
                                &ProcessConfig::default(),
                            );
                            if !violations.is_empty() {
                                return Err(AppError::RuleViolations(violations));
                            }
                            if !store::accept(conn, &v.id, &own, &coach, steward).await? {
                                return Err(not_in_state("accept", v.state));
                            }
                            Ok(vec![ChangeKind::Accepted])
                        })
                    }),
                )
                .await?;
            Ok(pb::AcceptVoucherResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn decline_voucher(
        &self,
        request: Request<pb::DeclineVoucherRequest>,
    ) -> Result<Response<pb::DeclineVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::ProviderUser])?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let reason = domain::required_text("reason", &req.reason, 2000)?;
            let own = caller.provider_id.clone().unwrap_or_default();
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "DeclineVoucher",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            if !store::decline(conn, &v.id, &own, &reason).await? {
                                return Err(not_in_state("decline", v.state));
                            }
                            Ok(vec![ChangeKind::Declined])
                        })
                    }),
                )
                .await?;
            Ok(pb::DeclineVoucherResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn start_voucher(
        &self,
        request: Request<pb::StartVoucherRequest>,
    ) -> Result<Response<pb::StartVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::ProviderUser])?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let on = date("started_on", req.started_on.as_ref())?;
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "StartVoucher",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            if v.state == VoucherState::Assigned {
                                within_validity(v, on)?;
                            }
                            if !store::start(conn, &v.id, on).await? {
                                return Err(not_in_state("start", v.state));
                            }
                            Ok(vec![ChangeKind::Started])
                        })
                    }),
                )
                .await?;
            Ok(pb::StartVoucherResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn record_units_used(
        &self,
        request: Request<pb::RecordUnitsUsedRequest>,
    ) -> Result<Response<pb::RecordUnitsUsedResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::ProviderUser, Role::CountyAdmin])?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let delta = req.units_delta.map(|u| u.hundredths).unwrap_or_default();
            if delta == 0 || delta.abs() > 10_000_000 {
                return Err(AppError::invalid(
                    "units_delta",
                    "required: hundredths of a unit, positive to consume or negative to release",
                ));
            }
            let on = date("used_on", req.used_on.as_ref())?;
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "RecordUnitsUsed",
                    id.clone(),
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            // TERM-VALIDITY: units only on valid days.
                            within_validity(v, on)?;
                            if store::record_units(conn, &v.id, delta, on).await? {
                                return Ok(if delta > 0 && v.state == VoucherState::Assigned {
                                    vec![ChangeKind::Started, ChangeKind::UnitsChanged]
                                } else {
                                    vec![ChangeKind::UnitsChanged]
                                });
                            }
                            // Refused: say why, from the voucher as it is now.
                            let now = store::load_voucher(conn, &v.id)
                                .await?
                                .ok_or_else(|| AppError::NotFound(format!("voucher {}", v.id)))?;
                            let state_ok = if delta > 0 {
                                matches!(now.state, VoucherState::Assigned | VoucherState::Active)
                            } else {
                                matches!(
                                    now.state,
                                    VoucherState::Active
                                        | VoucherState::Completed
                                        | VoucherState::Interrupted
                                )
                            };
                            if !state_ok {
                                return Err(not_in_state(
                                    if delta > 0 {
                                        "use units of"
                                    } else {
                                        "release units of"
                                    },
                                    now.state,
                                ));
                            }
                            if delta < 0 {
                                return Err(AppError::invalid(
                                    "units_delta",
                                    "releases more units than are used",
                                ));
                            }
                            // CAP-UNITS
                            let left = domain::units_decimal(now.units_granted - now.units_used);
                            Err(AppError::RuleViolations(vec![Violation::of(
                                CAP_UNITS,
                                format!(
                                    "Setelillä on jäljellä {left} yksikköä; {} ei mahdu.",
                                    domain::units_decimal(delta)
                                ),
                                format!(
                                    "The voucher has {left} units left; {} do not fit.",
                                    domain::units_decimal(delta)
                                ),
                            )]))
                        })
                    }),
                )
                .await?;
            Ok(pb::RecordUnitsUsedResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn complete_voucher(
        &self,
        request: Request<pb::CompleteVoucherRequest>,
    ) -> Result<Response<pb::CompleteVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::ProviderUser, Role::SocialWorker, Role::CountyAdmin])?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let on = date("completed_on", req.completed_on.as_ref())?;
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "CompleteVoucher",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            if !store::complete(conn, &v.id, on).await? {
                                return Err(not_in_state("complete", v.state));
                            }
                            Ok(vec![ChangeKind::Completed])
                        })
                    }),
                )
                .await?;
            Ok(pb::CompleteVoucherResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn interrupt_voucher(
        &self,
        request: Request<pb::InterruptVoucherRequest>,
    ) -> Result<Response<pb::InterruptVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::ProviderUser, Role::SocialWorker])?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            // PROC-INTERRUPT: an interruption records why and when.
            let mut errors = seteli_platform::FieldErrors::new();
            let reason = errors.take(
                "reason",
                domain::required_text("reason", &req.reason, 2000).map_err(describe),
            );
            let on = errors.take(
                "interrupted_on",
                date("interrupted_on", req.interrupted_on.as_ref()).map_err(describe),
            );
            errors.finish()?;
            let (Some(reason), Some(on)) = (reason, on) else {
                return Err(AppError::invalid("reason", "required"));
            };
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "InterruptVoucher",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            if !store::interrupt(conn, &v.id, on, &reason).await? {
                                return Err(not_in_state("interrupt", v.state));
                            }
                            Ok(vec![ChangeKind::Interrupted])
                        })
                    }),
                )
                .await?;
            Ok(pb::InterruptVoucherResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn cancel_voucher(
        &self,
        request: Request<pb::CancelVoucherRequest>,
    ) -> Result<Response<pb::CancelVoucherResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(COUNTY_CLIENT_ROLES)?;
            let id = required_id("voucher_id", &req.voucher_id)?;
            let reason = domain::required_text("reason", &req.reason, 2000)?;
            let voucher = self
                .mutate(
                    caller,
                    &req.request_id,
                    &req,
                    "CancelVoucher",
                    id,
                    Box::new(move |conn, v| {
                        Box::pin(async move {
                            let today = domain::today_in_finland();
                            if !store::cancel(conn, &v.id, today, &reason).await? {
                                return Err(not_in_state("cancel", v.state));
                            }
                            Ok(vec![ChangeKind::Cancelled])
                        })
                    }),
                )
                .await?;
            Ok(pb::CancelVoucherResponse {
                voucher: Some(voucher),
            })
        }
        .await)
    }

    async fn expire_vouchers(
        &self,
        request: Request<pb::ExpireVouchersRequest>,
    ) -> Result<Response<pb::ExpireVouchersResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[Role::CountyAdmin])?;
            let today = domain::today_in_finland();
            let as_of = match &req.as_of {
                Some(d) => date("as_of", Some(d))?,
                None => today,
            };
            if as_of > today {
                return Err(AppError::invalid("as_of", "must not be after today"));
            }
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
                        let (expired, completed) = expire_due(conn, &c, &request_id, as_of).await?;
                        Ok(pb::ExpireVouchersResponse {
                            expired_voucher_ids: expired,
                            completed_voucher_ids: completed,
                        })
                    })
                },
            )
            .await
        }
        .await)
    }

    async fn list_voucher_changes(
        &self,
        request: Request<pb::ListVoucherChangesRequest>,
    ) -> Result<Response<pb::ListVoucherChangesResponse>, Status> {
        let caller = Caller::of(&request)?;
        let req = request.into_inner();
        ok(async {
            caller.require(&[
                Role::SocialWorker,
                Role::CountyAdmin,
                Role::FinanceSystem,
                Role::Auditor,
                Role::ProviderUser,
            ])?;
            if req.after_sequence < 0 {
                return Err(AppError::invalid("after_sequence", "must not be negative"));
            }
            let limit = paging::page_size(req.page_size, 100, 1000)?;
            let provider = if caller.role == Role::ProviderUser {
                caller.provider_id.clone().unwrap_or_default()
            } else {
                String::new()
            };
            let mut conn = self.db.pool().acquire().await?;
            let changes =
                store::list_changes(&mut conn, req.after_sequence, &provider, limit).await?;
            let last_sequence = changes
                .last()
                .map(|c| c.sequence)
                .unwrap_or(req.after_sequence);
            Ok(pb::ListVoucherChangesResponse {
                changes,
                last_sequence,
            })
        }
        .await)
    }
}

fn describe(e: AppError) -> String {
    match e {
        AppError::InvalidArgument(v) => v
            .into_iter()
            .map(|f| f.description)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Expires the vouchers whose end passed unused and completes the used ones (as of `as_of`),
/// with an audit entry and a feed entry for each; every transition is a conditional update, so
/// concurrent sweeps (several replicas, or the RPC beside the scheduled sweep) change each
/// voucher once.
pub async fn expire_due(
    conn: &mut AnyConnection,
    caller: &Caller,
    request_id: &str,
    as_of: chrono::NaiveDate,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let (expired, completed) = store::sweep(conn, as_of).await?;
    let changes = expired
        .iter()
        .map(|id| (id, ChangeKind::Expired))
        .chain(completed.iter().map(|id| (id, ChangeKind::Completed)));
    for (id, kind) in changes {
        let v = store::load_voucher(conn, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
        audit_client(
            &mut *conn,
            caller,
            request_id,
            &v.client_id,
            "ExpireVouchers",
            "voucher_service",
        )
        .await?;
        store::append_change(conn, &v, None, kind, caller, request_id).await?;
    }
    Ok((expired, completed))
}

/// Records an access to a client's personal data (DESIGN.md, Security; 703/2023).
async fn audit_client<'e, E>(
    executor: E,
    caller: &Caller,
    request_id: &str,
    client_id: &str,
    action: &str,
    purpose: &str,
) -> Result<(), AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    audit::record(
        executor,
        caller,
        request_id,
        Access {
            subject_kind: CLIENT,
            subject_id: client_id,
            action,
            purpose,
        },
    )
    .await
}
