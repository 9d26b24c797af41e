//! How a step calls a service: the `call!` macro (the RPC on a clone of the client, with the
//! token of the role that takes the step, the RPC's name as the failure's context), who calls
//! (the roles), NOT_FOUND as "not there", and a paged listing gathered page by page. Every
//! capability module under `actions` calls through here.

use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;

use crate::conn::Role;

/// Calls `rpc` on (a clone of) `client` with `message`, carrying the token that `p` gives the
/// `caller`: a future of the answer's message, or of the failure with the RPC's `name` as its
/// context (the `tonic::Status` stays reachable through `downcast_ref`). The client and the
/// request are made before the future, which owns them and so borrows nothing.
macro_rules! call {
    ($p:ident, $caller:expr, $client:ident.$rpc:ident($message:expr), $name:literal) => {{
        let mut client = $client.clone();
        let (role, provider): $crate::actions::calling::Caller = $caller;
        let request = $p.request(role, provider, $message);
        async move { anyhow::Ok(client.$rpc(request?).await.context($name)?.into_inner()) }
    }};
    // The answer's `field`, which must be there.
    (
        $p:ident, $caller:expr, $client:ident.$rpc:ident($message:expr), $name:literal
        => $field:ident
    ) => {{
        let answer = $crate::actions::calling::call!($p, $caller, $client.$rpc($message), $name);
        async move {
            let what = concat!("no ", stringify!($field), " in the answer");
            answer.await?.$field.context(what)
        }
    }};
}
pub(super) use call;

/// `None` when the answer was NOT_FOUND (not there, or not yet), else the answer.
pub(super) fn found<T>(answer: anyhow::Result<T>) -> anyhow::Result<Option<T>> {
    match answer {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if e.downcast_ref::<tonic::Status>()
                .is_some_and(|s| s.code() == tonic::Code::NotFound) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Who calls: a role, and the provider of a provider's user.
pub(super) type Caller<'a> = (Role, Option<&'a str>);

/// A county administrator.
pub(super) const ADMIN: Caller = (Role::CountyAdmin, None);
/// A social worker.
pub(super) const WORKER: Caller = (Role::SocialWorker, None);
/// The county's financial system.
pub(super) const FINANCE: Caller = (Role::FinanceSystem, None);

/// A user of `provider`.
pub(super) fn user(provider: &str) -> Caller<'_> {
    (Role::ProviderUser, Some(provider))
}

/// A user of `provider` when one is named, else `otherwise`.
pub(super) fn provider_user_or(provider: Option<&str>, otherwise: Role) -> Role {
    if provider.is_some() {
        Role::ProviderUser
    } else {
        otherwise
    }
}

/// The answer of a paged listing, gathered page by page.
pub(super) trait Paged: Default {
    /// Moves `page`'s items into `self`; the next page's token (empty after the last).
    fn absorb(&mut self, page: Self) -> String;
}

macro_rules! paged {
    ($($answer:ty => $items:ident),* $(,)?) => {$(
        impl Paged for $answer {
            fn absorb(&mut self, page: Self) -> String {
                self.$items.extend(page.$items);
                page.next_page_token
            }
        }
    )*};
}

paged! {
    ppb::ListProvidersResponse => providers,
    vpb::ListClientsResponse => clients,
    vpb::ListVouchersResponse => vouchers,
    apb::ListSessionsResponse => sessions,
    apb::ListAbsencesResponse => absences,
    rpb::ListObligationsResponse => obligations,
    rpb::ListKelaNoticesResponse => notices,
    bpb::ListInvoicesResponse => invoices,
}

/// Every page of a listing, `page(token)` fetching one: the items of all of them (the other
/// fields of the answer left default).
pub(super) async fn every_page<R, F>(mut page: impl FnMut(String) -> F) -> anyhow::Result<R>
where
    R: Paged,
    F: std::future::Future<Output = anyhow::Result<R>>,
{
    let mut all = R::default();
    let mut token = String::new();
    loop {
        token = all.absorb(page(token).await?);
        if token.is_empty() {
            return Ok(all);
        }
    }
}
