//! A provider's staff and their qualifications: personal data, so each write is audited (and a
//! degree the county accepted only the county may say so: PROV-STAFF-SOCIAL).

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::audit::{self, Access};
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;

use super::common::{PURPOSE, STAFF};
use super::edit::{Edit, remove};
use crate::access::{self, Rpc};
use crate::app::App;
use crate::store::{self, ChildTable};
use crate::wire;

/// AddStaffMember: a staff member with a qualification; the write of staff data is audited.
pub async fn add_staff_member(
    app: &App,
    ctx: Ctx,
    req: pb::AddStaffMemberRequest,
) -> AppResult<pb::AddStaffMemberResponse> {
    let rpc = Rpc::AddStaffMember;
    access::may_call(&ctx.caller, rpc)?;
    let staff = wire::staff_member(req.staff_member.as_ref())?;
    // PROV-STAFF-SOCIAL: an other social-science degree counts once the county accepted it.
    if staff.degree_accepted_by_county {
        access::may_accept_degree(&ctx.caller)?;
    }
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    let (caller, correlation) = (ctx.caller.clone(), ctx.request_id().to_owned());
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let staff_id = store::insert_staff(conn, id, &staff).await?;
                let entry = Access {
                    subject_kind: STAFF,
                    subject_id: &staff_id,
                    action: rpc.name(),
                    purpose: PURPOSE,
                };
                audit::record(&mut *conn, &caller, &correlation, entry).await?;
                let qualification = staff.qualification.code();
                Ok(format!("staff member {staff_id} ({qualification}) added"))
            })
        },
        |provider| pb::AddStaffMemberResponse { provider },
    )
    .await
}

/// RemoveStaffMember: removes a staff member.
pub async fn remove_staff_member(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveStaffMemberRequest,
) -> AppResult<pb::RemoveStaffMemberResponse> {
    let rpc = Rpc::RemoveStaffMember;
    access::may_call(&ctx.caller, rpc)?;
    let key = wire::child_key("staff_member_id", &req.staff_member_id)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| Box::pin(async move { remove(conn, ChildTable::Staff, id, &key).await }),
        |provider| pb::RemoveStaffMemberResponse { provider },
    )
    .await
}
