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
    apb::ListAlertsResponse => alerts,
    rpb::ListObligationsResponse => obligations,
    rpb::ListKelaNoticesResponse => notices,
    rpb::ListNoticesResponse => notices,
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use anyhow::Context as _;

    use super::*;

    #[test]
    fn not_found_is_none_even_under_context() {
        let missing: anyhow::Result<i32> =
            Err(tonic::Status::not_found("no price")).context("GetCeilingPrice");
        assert_eq!(found(missing).expect("not an error"), None);
        assert_eq!(found(anyhow::Ok(7)).expect("an answer"), Some(7));
    }

    #[test]
    fn any_other_failure_stays_an_error() {
        let refused: anyhow::Result<i32> =
            Err(tonic::Status::failed_precondition("no")).context("GetVoucherUsage");
        assert!(found(refused).is_err());
        assert!(found::<i32>(Err(anyhow::anyhow!("connection refused"))).is_err());
    }

    #[test]
    fn a_provider_named_means_its_user() {
        assert_eq!(
            provider_user_or(Some("p-1"), Role::CountyAdmin),
            Role::ProviderUser
        );
        assert_eq!(provider_user_or(None, Role::CountyAdmin), Role::CountyAdmin);
        assert_eq!(
            provider_user_or(None, Role::SocialWorker),
            Role::SocialWorker
        );
        assert_eq!(user("p-1"), (Role::ProviderUser, Some("p-1")));
    }

    #[tokio::test]
    async fn every_page_follows_the_tokens_to_the_last_page() {
        let asked = RefCell::new(Vec::new());
        let page = |token: String| {
            asked.borrow_mut().push(token.clone());
            let (id, next) = match token.as_str() {
                "" => ("a", "t1"),
                "t1" => ("b", "t2"),
                _ => ("c", ""),
            };
            std::future::ready(anyhow::Ok(ppb::ListProvidersResponse {
                providers: vec![ppb::Provider {
                    id: id.into(),
                    ..Default::default()
                }],
                next_page_token: next.into(),
            }))
        };
        let all: ppb::ListProvidersResponse = every_page(page).await.expect("every page");
        let ids: Vec<_> = all.providers.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(all.next_page_token, "");
        assert_eq!(*asked.borrow(), ["", "t1", "t2"]);
    }

    #[tokio::test]
    async fn a_failing_page_fails_the_listing() {
        let page = |token: String| {
            std::future::ready(if token.is_empty() {
                anyhow::Ok(vpb::ListClientsResponse {
                    next_page_token: "t1".into(),
                    ..Default::default()
                })
            } else {
                Err(anyhow::anyhow!("page two failed"))
            })
        };
        let answer: anyhow::Result<vpb::ListClientsResponse> = every_page(page).await;
        assert!(answer.is_err());
    }
}
