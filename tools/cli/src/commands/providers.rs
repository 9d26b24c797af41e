//! `seteli provider …`: registering (resuming the draft with the same business id), submitting,
//! discarding, approving, reading and listing providers.

use seteli_api::providers::v1 as ppb;

use crate::actions::{self, today};
use crate::cli::{ProviderCmd, RegisterArgs};
use crate::conn::Platform;
use crate::output::{self, Out};
use crate::registration::Given;

/// Runs a `seteli provider` command.
pub(super) async fn run(p: &Platform, out: Out, c: ProviderCmd) -> anyhow::Result<()> {
    let show = |x: &ppb::Provider| out.record(x, output::PROVIDER);
    match c {
        ProviderCmd::Register(a) => show(&register(p, &a).await?),
        ProviderCmd::Submit { id } => show(&actions::submit_provider(p, &id).await?),
        ProviderCmd::Discard { id } => show(&actions::discard_provider(p, &id).await?),
        ProviderCmd::Approve { id } => show(&actions::approve_provider(p, &id).await?),
        ProviderCmd::Get { id } => show(&actions::get_provider(p, &id).await?),
        ProviderCmd::List => out.rows(&actions::list_providers(p).await?, output::PROVIDER),
    }
}

/// Whether a provider found by its business id is one `provider register` resumes: a draft,
/// or a provider the county rejected (corrected and submitted again).
fn resumable(state: i32) -> bool {
    [ppb::ProviderState::Draft, ppb::ProviderState::Rejected]
        .iter()
        .any(|s| *s as i32 == state)
}

/// `seteli provider register`: what the file and the flags give, over the draft with the same
/// business id when there is one; the example values used named on standard error.
async fn register(p: &Platform, a: &RegisterArgs) -> anyhow::Result<ppb::Provider> {
    let given = match &a.from_file {
        Some(file) => Given::from_file(file)?,
        None => Given::default(),
    };
    let given = given.and(Given::from_flags(a)?);
    let business_id = given.business_id()?;
    let draft = match actions::provider_by_business_id(p, &business_id).await? {
        None => None,
        Some(found) if resumable(found.state) => Some(found),
        Some(found) => {
            let state = ppb::ProviderState::try_from(found.state)
                .map(|s| s.as_str_name().trim_start_matches("PROVIDER_STATE_"))
                .unwrap_or("in an unknown state");
            anyhow::bail!(
                "business id {business_id} is registered already: provider {} is {state} \
                 (`seteli provider get {}`); only a draft or a rejected provider is resumed",
                found.id,
                found.id
            );
        }
    };
    let (spec, used) = given.complete(draft.as_ref(), a.example, today())?;
    used.tell();
    if let Some(d) = &draft {
        eprintln!(
            "seteli: resuming the draft {} of business id {business_id}: what it lacks is added",
            d.id
        );
    }
    actions::register_provider(p, &spec, draft.as_ref(), !a.no_submit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_draft_or_a_rejected_provider_is_resumed() {
        assert!(resumable(ppb::ProviderState::Draft as i32));
        assert!(resumable(ppb::ProviderState::Rejected as i32));
        for other in [
            ppb::ProviderState::Submitted,
            ppb::ProviderState::Approved,
            ppb::ProviderState::Revoked,
            ppb::ProviderState::Discarded,
        ] {
            assert!(!resumable(other as i32), "{other:?}");
        }
    }
}
