//! A provider's staff and their qualifications: personal data, so each write is audited (and a
//! degree the county accepted only the county may say so: PROV-STAFF-SOCIAL). Each an edit
//! through [`super::edit::edit`].

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::audit::{self, Access};
use seteli_platform::rpc::Ctx;

use super::common::{PURPOSE, STAFF};
use super::edit::{Prices, edit, remove};
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
    let read = |ctx: &Ctx, req: &pb::AddStaffMemberRequest| {
        let staff = wire::staff_member(req.staff_member.as_ref())?;
        // PROV-STAFF-SOCIAL: an other social-science degree counts once the county accepted it.
        if staff.degree_accepted_by_county {
            access::may_accept_degree(&ctx.caller)?;
        }
        Ok(staff)
    };
    edit(app, ctx, req, Prices::IfApproved, read, |on, staff| {
        Box::pin(async move {
            let staff_id = store::insert_staff(on.conn, on.id, &staff).await?;
            let entry = Access {
                subject_kind: STAFF,
                subject_id: &staff_id,
                action: Rpc::AddStaffMember.name(),
                purpose: PURPOSE,
            };
            audit::record(&mut *on.conn, &on.ctx.caller, on.ctx.request_id(), entry).await?;
            let qualification = staff.qualification.code();
            Ok(format!("staff member {staff_id} ({qualification}) added"))
        })
    })
    .await
}

/// RemoveStaffMember: removes a staff member.
pub async fn remove_staff_member(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveStaffMemberRequest,
) -> AppResult<pb::RemoveStaffMemberResponse> {
    let read = |_: &Ctx, req: &pb::RemoveStaffMemberRequest| {
        wire::child_key("staff_member_id", &req.staff_member_id)
    };
    edit(app, ctx, req, Prices::IfApproved, read, |on, key| {
        Box::pin(async move { remove(on.conn, ChildTable::Staff, on.id, &key).await })
    })
    .await
}
