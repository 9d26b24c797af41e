//! The provider on Kela's absence notice (TT3: the service provider's name, business id,
//! contact person and phone), read from the provider registry when the notice is built.
//!
//! Asked with reporting's own service account ([`App::service_ctx`]), not with the caller's
//! token: the sender's facts are the provider's business facts, the same on every copy of the
//! notice whoever reads it, and who may read the notice at all reporting has already decided
//! (`access::may_see_voucher`). Asked at the moment the notice is built rather than followed
//! and copied: the registry is their one keeper, a provider's new contact person shows on the
//! next notice printed, and reporting keeps no copy of a person's name to correct.
//!
//! When the registry cannot be reached (or no service account is configured) the notice is
//! still served without them (`KelaNotice.provider` unset): a notice to read and correct must
//! not wait on the registry; the PDF then says the provider's details are to be completed
//! before it is sent (`pdf::kela`).

use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as pb;
use seteli_platform::rpc::Ctx;

use crate::app::App;

/// The provider `provider_id` as the notice names it, from the registry; None when it cannot
/// be read now (logged).
pub(super) async fn sender(
    app: &App,
    ctx: &Ctx,
    provider_id: &str,
) -> Option<pb::KelaNoticeProvider> {
    let Some(own) = app.service_ctx(ctx) else {
        tracing::warn!(
            "no service account token (SETELI_VOUCHERS_FEED_TOKEN): Kela's notice goes without \
             the provider's business id and contact person"
        );
        return None;
    };
    let read = app
        .providers
        .call(
            &own,
            ppb::GetProviderRequest {
                provider_id: provider_id.to_owned(),
            },
            |mut c, r| async move { c.get_provider(r).await },
        )
        .await;
    match read {
        Ok(answer) => answer.provider.map(|p| of_registry(&p)),
        Err(e) => {
            tracing::warn!(error = %e, provider_id, "the provider registry did not answer for Kela's notice");
            None
        }
    }
}

/// The notice's provider from the registry's record.
fn of_registry(p: &ppb::Provider) -> pb::KelaNoticeProvider {
    let details = p.details.clone().unwrap_or_default();
    let contact = details.contact.unwrap_or_default();
    pb::KelaNoticeProvider {
        provider_id: p.id.clone(),
        name: details.name,
        business_id: details.business_id,
        contact_name: contact.name,
        contact_phone: contact.phone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_takes_the_name_business_id_and_contact_person_of_the_record() {
        let record = ppb::Provider {
            id: "p1".into(),
            details: Some(ppb::ProviderDetails {
                name: "Työpaja Örö Oy".into(),
                business_id: "0737546-2".into(),
                contact: Some(ppb::Contact {
                    name: "Maija Meikäläinen".into(),
                    email: "maija@example.fi".into(),
                    phone: "+358 40 123 4567".into(),
                    postal_address: String::new(),
                }),
                iban: "FI2112345600000785".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            of_registry(&record),
            pb::KelaNoticeProvider {
                provider_id: "p1".into(),
                name: "Työpaja Örö Oy".into(),
                business_id: "0737546-2".into(),
                contact_name: "Maija Meikäläinen".into(),
                contact_phone: "+358 40 123 4567".into(),
            }
        );
    }
}
