//! Reporting: the report obligations, writing and submitting a report and its printable PDF,
//! the notices social workers are told,
//! Kela's absence notices and theirs, and writing such a file into a folder.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;

use super::calling::{ADMIN, call, every_page, found, provider_user_or, user};
use super::convert::date;
use crate::conn::{Platform, Role, request_id};

/// The report obligations (all pages) in `status` (unspecified: any): of `provider` as its
/// user sees them, or every one as a county administrator sees them.
pub async fn list_obligations(
    p: &Platform,
    provider: Option<&str>,
    status: rpb::ObligationStatus,
) -> anyhow::Result<rpb::ListObligationsResponse> {
    let c = p.reporting()?;
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    every_page(|page_token| {
        let request = rpb::ListObligationsRequest {
            provider_id: provider.unwrap_or_default().into(),
            status: status as i32,
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, caller, c.list_obligations(request), "ListObligations")
    })
    .await
}

/// The notices social workers are told (all pages) in `state` (unspecified: any): of `provider`
/// as its user sees them, or every one as a county administrator; of one voucher when given.
pub async fn list_notices(
    p: &Platform,
    provider: Option<&str>,
    voucher: Option<&str>,
    state: rpb::NoticeState,
) -> anyhow::Result<rpb::ListNoticesResponse> {
    let c = p.reporting()?;
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    every_page(|page_token| {
        let request = rpb::ListNoticesRequest {
            provider_id: provider.unwrap_or_default().into(),
            voucher_id: voucher.unwrap_or_default().into(),
            state: state as i32,
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, caller, c.list_notices(request), "ListNotices")
    })
    .await
}

/// A report, as a county administrator reads it.
pub async fn get_report(p: &Platform, report: &str) -> anyhow::Result<rpb::Report> {
    let request = rpb::GetReportRequest {
        report_id: report.into(),
    };
    let c = p.reporting()?;
    call!(p, ADMIN, c.get_report(request), "GetReport" => report).await
}

/// Saves a draft of a report, as a user of `provider`.
pub async fn save_report(
    p: &Platform,
    provider: &str,
    report: &str,
    sections: rpb::ReportSections,
) -> anyhow::Result<rpb::Report> {
    let request = rpb::SaveReportDraftRequest {
        request_id: request_id(),
        validate_only: false,
        report_id: report.into(),
        sections: Some(sections),
    };
    let c = p.reporting()?;
    call!(p, user(provider), c.save_report_draft(request), "SaveReportDraft" => report).await
}

/// Submits a report to the social worker, as a user of `provider`.
pub async fn submit_report(
    p: &Platform,
    provider: &str,
    report: &str,
) -> anyhow::Result<rpb::Report> {
    let request = rpb::SubmitReportRequest {
        request_id: request_id(),
        validate_only: false,
        report_id: report.into(),
    };
    let c = p.reporting()?;
    call!(p, user(provider), c.submit_report(request), "SubmitReport" => report).await
}

/// The printable PDF of a report (REP-DELIVERY): as a user of `provider` (the voucher's), or,
/// without one, as the voucher's social worker. County administrators read the report itself.
pub async fn report_pdf(
    p: &Platform,
    provider: Option<&str>,
    report: &str,
) -> anyhow::Result<rpb::GetReportPdfResponse> {
    let request = rpb::GetReportPdfRequest {
        report_id: report.into(),
    };
    let caller = (provider_user_or(provider, Role::SocialWorker), provider);
    let c = p.reporting()?;
    call!(p, caller, c.get_report_pdf(request), "GetReportPdf").await
}

/// Kela's absence notices (ABS-KELA), every page: of `provider` as its user, or every one as a
/// county administrator; of one voucher when `voucher` is given.
pub async fn list_kela_notices(
    p: &Platform,
    provider: Option<&str>,
    voucher: Option<&str>,
    status: rpb::KelaNoticeStatus,
) -> anyhow::Result<rpb::ListKelaNoticesResponse> {
    let c = p.reporting()?;
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    every_page(|page_token| {
        let request = rpb::ListKelaNoticesRequest {
            provider_id: provider.unwrap_or_default().into(),
            voucher_id: voucher.unwrap_or_default().into(),
            status: status as i32,
            page_size: 500,
            page_token,
        };
        call!(p, caller, c.list_kela_notices(request), "ListKelaNotices")
    })
    .await
}

/// The Kela absence notice of the period holding `day` on a KTT voucher, as a printable PDF,
/// as a user of `provider` (or a county administrator without one).
pub async fn kela_notice_pdf(
    p: &Platform,
    provider: Option<&str>,
    voucher: &str,
    day: NaiveDate,
) -> anyhow::Result<rpb::GetKelaNoticePdfResponse> {
    let request = rpb::GetKelaNoticePdfRequest {
        voucher_id: voucher.into(),
        day: date(day),
    };
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    let c = p.reporting()?;
    call!(
        p,
        caller,
        c.get_kela_notice_pdf(request),
        "GetKelaNoticePdf"
    )
    .await
}

/// Marks the Kela absence notice of the period holding `day` on a KTT voucher sent, as a user
/// of `provider` (the voucher's, who sends it to Kela): on `sent_on` (unset: today, as the
/// service's clock says), an earlier day only with `backdated_reason`.
pub async fn mark_kela_notice_sent(
    p: &Platform,
    provider: &str,
    (voucher, day): (&str, NaiveDate),
    sent_on: Option<NaiveDate>,
    backdated_reason: &str,
) -> anyhow::Result<rpb::KelaNoticeSummary> {
    let request = rpb::MarkKelaNoticeSentRequest {
        request_id: request_id(),
        validate_only: false,
        voucher_id: voucher.into(),
        day: date(day),
        sent_on: sent_on.and_then(date),
        backdated_reason: backdated_reason.into(),
    };
    let c = p.reporting()?;
    call!(
        p,
        user(provider),
        c.mark_kela_notice_sent(request),
        "MarkKelaNoticeSent" => notice
    )
    .await
}

/// A voucher as the caller of a listing reads it (a user of `provider`, or a county
/// administrator without one): its number and client's and provider's names for the list;
/// `None` when it is not there for them.
pub async fn voucher_as_lister(
    p: &Platform,
    provider: Option<&str>,
    voucher: &str,
) -> anyhow::Result<Option<vpb::Voucher>> {
    let request = vpb::GetVoucherRequest {
        voucher_id: voucher.into(),
        ..Default::default()
    };
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    let c = p.vouchers()?;
    found(call!(p, caller, c.get_voucher(request), "GetVoucher" => voucher).await)
}

/// Writes `content` into `dir` as `name` (only its last component: a name from a service never
/// leaves the folder), creating the folder.
pub fn write_file(dir: &Path, name: &str, content: &[u8]) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .context("an empty file name")?;
    let path = dir.join(name);
    std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary one, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new() -> Self {
            Folder(std::env::temp_dir().join(format!("seteli-cli-{}", uuid::Uuid::new_v4())))
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn writes_into_the_folder_creating_it() {
        let dir = Folder::new();
        let path =
            write_file(&dir.0.join("reports"), "PS-1-REP-FINAL.pdf", b"%PDF").expect("written");
        assert_eq!(path, dir.0.join("reports").join("PS-1-REP-FINAL.pdf"));
        assert_eq!(std::fs::read(&path).expect("read back"), b"%PDF");
    }

    #[test]
    fn a_name_from_a_service_never_leaves_the_folder() {
        let dir = Folder::new();
        let path = write_file(&dir.0, "../../etc/notice.pdf", b"x").expect("written");
        assert_eq!(path, dir.0.join("notice.pdf"));
    }

    #[test]
    fn an_empty_name_is_refused() {
        let dir = Folder::new();
        assert!(write_file(&dir.0, "", b"x").is_err());
        assert!(write_file(&dir.0, "..", b"x").is_err());
    }
}
