// What the holder follows of their voucher: the sessions recorded and the absences (attendance's
// ListSessions / ListAbsences with their own voucher's id), and the reports given to them
// (reporting's ListObligations by voucher: for a `client` only those submitted to the county),
// each openable as the client's copy in PDF (GetReportPdf).

import type { Api } from "../api.js";
import { Modality, SessionStatus, type Absence, type Session } from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import { ReportState, type Obligation } from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import type { Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { clockText, date, dayWithWeekday, iso, units } from "../ui/format.js";
import { ABSENCE_KIND_NAMES, ABSENCE_REASON_NAMES, countsDays, REPORT_KIND_NAMES, SESSION_STATUS_NAMES } from "../ui/names.js";
import { showFailure } from "../ui/refusal.js";

const MODALITY_NAMES: Record<Modality, string> = {
  [Modality.UNSPECIFIED]: "",
  [Modality.ON_SITE]: "paikan päällä",
  [Modality.PHONE]: "puhelimessa",
  [Modality.VIDEO]: "videoyhteydellä",
};

/** One line of the holder's record: a session or an absence, on its day. */
export interface RecordLine {
  day: string;
  /** `session-recorded`, `session-no_show`, `agreed`, `absence` … */
  kind: string;
  /** The weekday and day in Finnish. */
  when: string;
  what: string;
  detail: string;
}

/** A session as its client reads it; one agreed for a later day says so. */
export function sessionLine(s: Session, now: string): RecordLine {
  const day = iso(s.details?.date);
  const days = countsDays(s.serviceType ?? ServiceType.UNSPECIFIED);
  const agreed = s.status === SessionStatus.RECORDED && day > now;
  const times = s.details?.startTime
    ? `klo ${clockText(s.details.startTime)}–${clockText(s.details.endTime)}`
    : "";
  const how = MODALITY_NAMES[s.details?.modality ?? Modality.UNSPECIFIED];
  return {
    day,
    kind: agreed ? "agreed" : `session-${SessionStatus[s.status]?.toLowerCase() ?? ""}`,
    when: dayWithWeekday(day),
    what: agreed ? "Sovittu käynti" : (SESSION_STATUS_NAMES[s.status] ?? "Käynti"),
    detail: [times, how, units(s.units?.hundredths, days)].filter(Boolean).join(", "),
  };
}

/** An absence as its client reads it. */
export function absenceLine(a: Absence): RecordLine {
  const day = iso(a.date);
  return {
    day,
    kind: "absence",
    when: dayWithWeekday(day),
    what: ABSENCE_KIND_NAMES[a.kind] ?? "Poissa",
    detail: a.reason ? (ABSENCE_REASON_NAMES[a.reason] ?? "") : "",
  };
}

/** Sessions and absences together, by day (a stable sort: the service's order within a day). */
export function recordLines(sessions: Session[], absences: Absence[], now: string): RecordLine[] {
  const lines = [...sessions.map((s) => sessionLine(s, now)), ...absences.map(absenceLine)];
  return lines.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Whether a report has been given to its client: submitted to (or acknowledged by) the county. */
export function given(o: Pick<Obligation, "reportState">): boolean {
  return o.reportState === ReportState.SUBMITTED || o.reportState === ReportState.ACKNOWLEDGED;
}

/** Fills the holder's record of voucher `v` (`#client-record`). */
export async function showRecord(api: Api, v: Voucher, now: string): Promise<void> {
  const list = element<HTMLOListElement>("#client-record");
  list.dataset.state = "loading";
  const [sessions, absences] = await Promise.all([
    api.attendance.listSessions({ voucherId: v.id, pageSize: 500 }, api.opts),
    api.attendance.listAbsences({ voucherId: v.id, pageSize: 500 }, api.opts),
  ]);
  const lines = recordLines(sessions.sessions, absences.absences, now);
  list.replaceChildren(
    ...lines.map((l) =>
      h(
        "li",
        { "data-kind": l.kind, "data-day": l.day },
        h("time", { datetime: l.day }, l.when),
        " ",
        h("span", { class: "what" }, l.what),
        l.detail ? h("span", { class: "detail" }, ` — ${l.detail}`) : null,
      ),
    ),
  );
  if (!lines.length) list.append(h("li", { class: "note" }, "Käyntejä tai poissaoloja ei ole vielä kirjattu."));
  list.dataset.state = "ok";
}

/** Fills the reports given to the holder of `v` (`#client-reports`), each with its PDF. */
export async function showReportsGiven(api: Api, v: Voucher, refusal: HTMLElement): Promise<void> {
  const list = element<HTMLUListElement>("#client-reports");
  list.dataset.state = "loading";
  const { obligations } = await api.reporting.listObligations({ voucherId: v.id, pageSize: 100 }, api.opts);
  const reports = obligations.filter(given);
  list.replaceChildren(
    ...reports.map((o) => {
      const name = `${REPORT_KIND_NAMES[o.kind]}, annettu ${date(o.submittedOn)}`;
      const b = h("button", { type: "button", "data-pdf": o.id }, `Avaa ${REPORT_KIND_NAMES[o.kind].toLowerCase()} (PDF)`);
      const li = h("li", { "data-report": o.id }, h("span", { class: "what" }, name), b);
      b.addEventListener("click", () => void openPdf(api, refusal, o, li));
      return li;
    }),
  );
  if (!reports.length) list.append(h("li", { class: "note" }, "Sinulle ei ole vielä annettu raportteja."));
  list.dataset.state = "ok";
}

/**
 * Fetches the client's copy of report `o` as PDF and offers it as a link to a local copy (a
 * `blob:` address: the PDF never leaves the browser for another server), opened in a new tab.
 */
async function openPdf(api: Api, refusal: HTMLElement, o: Obligation, li: HTMLLIElement): Promise<void> {
  status("loading", "Haetaan raporttia…");
  try {
    const pdf = await api.reporting.getReportPdf({ reportId: o.id }, api.opts);
    const blob = new Blob([pdf.content as BlobPart], { type: pdf.contentType || "application/pdf" });
    const url = URL.createObjectURL(blob);
    li.querySelector("a[data-pdf-link]")?.remove();
    const name = pdf.fileName || "raportti.pdf";
    const link = h(
      "a",
      { href: url, target: "_blank", rel: "noopener", download: name, "data-pdf-link": o.id, "data-bytes": blob.size },
      `Lataa ${name} (${Math.max(1, Math.round(blob.size / 1024))} kt)`,
    );
    li.append(link);
    link.focus();
    status("ok", `Raportti ${name} on valmis avattavaksi.`);
  } catch (err) {
    await showFailure(refusal, err, api.urls.reporting);
  }
}
