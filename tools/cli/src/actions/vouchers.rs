//! Clients, ceiling prices and vouchers: registering a client, the county's prices, the service
//! decision a voucher is issued on, the client's choice, the provider's acceptance or decline,
//! and an interruption or a cancellation (each with its reason's code and words).

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::common::v1::{Money, ServiceType};
use seteli_api::vouchers::v1 as vpb;

use super::calling::{ADMIN, WORKER, call, every_page, found, user};
use super::convert::date;
use crate::conn::{Platform, request_id};

/// Registers a client, as a social worker.
pub async fn add_client(p: &Platform, details: vpb::ClientDetails) -> anyhow::Result<vpb::Client> {
    let request = vpb::CreateClientRequest {
        request_id: request_id(),
        validate_only: false,
        details: Some(details),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.create_client(request), "CreateClient" => client).await
}

/// Every client (all pages), as a social worker lists them.
pub async fn list_clients(p: &Platform) -> anyhow::Result<vpb::ListClientsResponse> {
    let c = p.vouchers()?;
    every_page(|page_token| {
        let request = vpb::ListClientsRequest {
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, WORKER, c.list_clients(request), "ListClients")
    })
    .await
}

/// The ceiling price of `service` in force today, if any (any role may read prices).
pub async fn ceiling_price(p: &Platform, service: ServiceType) -> anyhow::Result<Option<i64>> {
    let request = vpb::GetCeilingPriceRequest {
        service_type: service as i32,
        on: None,
    };
    let c = p.vouchers()?;
    let r = call!(p, ADMIN, c.get_ceiling_price(request), "GetCeilingPrice");
    Ok(found(r.await)?
        .and_then(|r| r.ceiling_price)
        .and_then(|c| c.unit_price)
        .map(|m| m.cents))
}

/// Records a ceiling price of `service` from `from`, as a county administrator.
pub async fn set_ceiling_price(
    p: &Platform,
    service: ServiceType,
    from: NaiveDate,
    cents: i64,
) -> anyhow::Result<vpb::CeilingPrice> {
    let request = vpb::SetCeilingPriceRequest {
        request_id: request_id(),
        validate_only: false,
        service_type: service as i32,
        effective_from: date(from),
        unit_price: Some(Money { cents }),
    };
    let c = p.vouchers()?;
    call!(p, ADMIN, c.set_ceiling_price(request), "SetCeilingPrice")
        .await?
        .ceiling_price
        .context("no price in the answer")
}

/// A decision of `service` for `client`, decided on `decided_on` and valid `from`–`until`,
/// granting `units` (hundredths). The facts its rulebook asks of it (a KTT plan, job search and
/// benefit; an SK assessment) are the caller's to add, as its user gave them.
pub fn decision(
    client: &str,
    service: ServiceType,
    (decided_on, from, until): (NaiveDate, NaiveDate, NaiveDate),
    units: i64,
) -> vpb::ServiceDecision {
    vpb::ServiceDecision {
        client_id: client.into(),
        service_type: service as i32,
        decision_date: date(decided_on),
        valid_from: date(from),
        valid_until: date(until),
        granted_units: Some(vpb::Units { hundredths: units }),
        ..Default::default()
    }
}

/// Issues a voucher on `decision`, as a social worker.
pub async fn issue_voucher(
    p: &Platform,
    decision: vpb::ServiceDecision,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::IssueVoucherRequest {
        request_id: request_id(),
        validate_only: false,
        decision: Some(decision),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.issue_voucher(request), "IssueVoucher" => voucher).await
}

/// Records the client's choice of `provider`, as a social worker.
pub async fn choose_provider(
    p: &Platform,
    voucher: &str,
    provider: &str,
    agreed_start: Option<NaiveDate>,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::ChooseProviderRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        provider_id: provider.into(),
        agreed_start_on: agreed_start.and_then(date),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.choose_provider(request), "ChooseProvider" => voucher).await
}

/// The chosen provider's user accepts the voucher, naming the responsible coach.
pub async fn accept_voucher(
    p: &Platform,
    provider: &str,
    voucher: &str,
    coach: &str,
    steward_notified: Option<NaiveDate>,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::AcceptVoucherRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        responsible_coach: coach.into(),
        steward_notified_on: steward_notified.and_then(date),
    };
    let c = p.vouchers()?;
    call!(p, user(provider), c.accept_voucher(request), "AcceptVoucher" => voucher).await
}

/// The chosen provider's user declines the voucher, for `reason` of `kind`.
pub async fn decline_voucher(
    p: &Platform,
    provider: &str,
    voucher: &str,
    kind: vpb::DeclineReasonKind,
    reason: &str,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::DeclineVoucherRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        reason: reason.into(),
        reason_kind: kind.into(),
    };
    let c = p.vouchers()?;
    call!(p, user(provider), c.decline_voucher(request), "DeclineVoucher" => voucher).await
}

/// Interrupts the service `on` (PROC-INTERRUPT), for `reason` of `kind`: as a social worker,
/// or as the user of `provider` when one is given.
pub async fn interrupt_voucher(
    p: &Platform,
    provider: Option<&str>,
    voucher: &str,
    kind: vpb::EndReasonKind,
    reason: &str,
    on: NaiveDate,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::InterruptVoucherRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        reason: reason.into(),
        interrupted_on: date(on),
        reason_kind: kind.into(),
    };
    let caller = provider.map_or(WORKER, user);
    let c = p.vouchers()?;
    call!(p, caller, c.interrupt_voucher(request), "InterruptVoucher" => voucher).await
}

/// Cancels the voucher before the service starts, for `reason` of `kind`, as a social worker.
pub async fn cancel_voucher(
    p: &Platform,
    voucher: &str,
    kind: vpb::EndReasonKind,
    reason: &str,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::CancelVoucherRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        reason: reason.into(),
        reason_kind: kind.into(),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.cancel_voucher(request), "CancelVoucher" => voucher).await
}

/// A voucher by id or number, as a county administrator reads it.
pub async fn get_voucher(p: &Platform, id_or_number: &str) -> anyhow::Result<vpb::Voucher> {
    let (voucher_id, voucher_number) = if id_or_number.starts_with("PS-") {
        (String::new(), id_or_number.into())
    } else {
        (id_or_number.into(), String::new())
    };
    let request = vpb::GetVoucherRequest {
        voucher_id,
        voucher_number,
    };
    let c = p.vouchers()?;
    call!(p, ADMIN, c.get_voucher(request), "GetVoucher" => voucher).await
}

/// Vouchers (all pages) of a client and/or provider, as a county administrator lists them.
pub async fn list_vouchers(
    p: &Platform,
    client: Option<&str>,
    provider: Option<&str>,
) -> anyhow::Result<vpb::ListVouchersResponse> {
    let c = p.vouchers()?;
    every_page(|page_token| {
        let request = vpb::ListVouchersRequest {
            client_id: client.unwrap_or_default().into(),
            provider_id: provider.unwrap_or_default().into(),
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, ADMIN, c.list_vouchers(request), "ListVouchers")
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_carries_what_was_decided_and_nothing_more() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("a day");
        let d = decision(
            "c-1",
            ServiceType::KttIndividual,
            (day(1, 2), day(1, 5), day(4, 4)),
            3050,
        );
        assert_eq!(d.client_id, "c-1");
        assert_eq!(d.service_type, ServiceType::KttIndividual as i32);
        assert_eq!(d.decision_date, date(day(1, 2)));
        assert_eq!(d.valid_from, date(day(1, 5)));
        assert_eq!(d.valid_until, date(day(4, 4)));
        assert_eq!(d.granted_units, Some(vpb::Units { hundredths: 3050 }));
        // No fact of the rulebook is assumed.
        assert!(!d.job_search_in_force);
        assert_eq!(d.unemployment_benefit, 0);
        assert_eq!(d.employment_plan, None);
        assert_eq!(d.need_assessment, None);
    }
}
