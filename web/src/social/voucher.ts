// The voucher as a social worker sees it: its data, and its timeline from every service that
// holds a part of it: the decision, choice, acceptance, start and end (vouchers), sessions
// realised and agreed, no-shows, cancellations and absences, and the invoicing as the sessions
// record it (attendance: billing's invoices themselves are not the social worker's to read, see
// invoicing.ts), notices and reports with their deadlines (reporting).

import type { Api } from "../api.js";
import { SessionStatus, type Absence, type Session } from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import type { Notice, Obligation } from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import { VoucherState, type Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, fill, h } from "../ui/dom.js";
import { clockText, date, euros, iso, km, month, today, units } from "../ui/format.js";
import {
  ABSENCE_KIND_NAMES,
  ABSENCE_REASON_NAMES,
  countsDays,
  NOTICE_KIND_NAMES,
  OBLIGATION_STATUS_NAMES,
  REPORT_KIND_NAMES,
  SERVICE_NAMES,
  SESSION_STATUS_NAMES,
  STATE_NAMES,
} from "../ui/names.js";
import { awaitsInvoicing, invoicesOf, type SessionsInvoice } from "./invoicing.js";

/** Shows `v` in the voucher card; the choice form only while a provider may still be chosen. */
export function showVoucher(v: Voucher): void {
  const section = element<HTMLElement>("#voucher");
  const service = v.decision?.serviceType ?? ServiceType.UNSPECIFIED;
  const days = countsDays(service);
  fill(section, {
    number: v.voucherNumber,
    id: v.id,
    client: v.client?.name ?? "",
    service: SERVICE_NAMES[service] ?? String(service),
    state: STATE_NAMES[v.state] ?? String(v.state),
    valid: `${date(v.decision?.validFrom)}–${date(v.decision?.validUntil)}`,
    "units-granted": units(v.unitsGranted?.hundredths, days),
    "units-used": units(v.unitsUsed?.hundredths, days),
    "units-reserved": units(v.unitsReserved?.hundredths, days),
    "units-left": units(v.unitsLeft?.hundredths, days),
    "unit-price": `${euros(v.unitPrice)} / ${days ? "pv" : "h"}`,
    value: euros(v.value),
    provider: v.providerId ? `${v.providerName} (${km(v.providerDistanceKm)})` : "Ei valittu",
    coach: v.responsibleCoach || "—",
  });
  section.querySelector<HTMLElement>('[data-field="service"]')!.dataset.code = ServiceType[service] ?? "";
  section.querySelector<HTMLElement>('[data-field="state"]')!.dataset.code = VoucherState[v.state] ?? "";
  element<HTMLElement>("#choose").hidden = v.state !== VoucherState.ISSUED;
  element<HTMLElement>("#providers").hidden = true;
  section.dataset.voucherId = v.id;
  section.hidden = false;
}

/** One line of the timeline. */
interface Event {
  /** The ISO day it is sorted by (and shown, unless `when` says otherwise). */
  day: string;
  kind: string;
  text: string;
  detail?: string;
  /** What its `time` shows instead of the day, and the machine-readable value. */
  when?: { datetime: string; text: string };
  /** A session's invoicing: the invoice id it was billed on, or "" when it awaits one. */
  invoice?: string;
}

function voucherEvents(v: Voucher): Event[] {
  const d = v.decision;
  const service = d?.serviceType ?? ServiceType.UNSPECIFIED;
  const days = countsDays(service);
  const events: Event[] = [
    {
      day: iso(d?.decisionDate),
      kind: "decision",
      text: "Palvelupäätös ja seteli myönnetty",
      detail: `${SERVICE_NAMES[service]}, ${units(v.unitsGranted?.hundredths, days)}, arvo ${euros(v.value)}`,
    },
  ];
  if (v.providerChosenOn) {
    events.push({
      day: iso(v.providerChosenOn),
      kind: "choice",
      text: `Asiakas valitsi palveluntuottajan ${v.providerName}`,
      detail: km(v.providerDistanceKm),
    });
  }
  if (v.acceptedOn) {
    events.push({
      day: iso(v.acceptedOn),
      kind: "acceptance",
      text: "Palveluntuottaja hyväksyi setelin",
      detail: v.responsibleCoach ? `vastuuvalmentaja ${v.responsibleCoach}` : undefined,
    });
  }
  if (v.startedOn) events.push({ day: iso(v.startedOn), kind: "start", text: "Palvelu alkoi" });
  if (v.endedOn) events.push({ day: iso(v.endedOn), kind: "end", text: STATE_NAMES[v.state] });
  return events;
}

function sessionEvent(s: Session, days: boolean, now: string): Event {
  const day = iso(s.details?.date);
  const agreed = s.status === SessionStatus.RECORDED && day > now;
  const times = s.details?.startTime
    ? `klo ${clockText(s.details.startTime)}–${clockText(s.details.endTime)}, `
    : "";
  return {
    day,
    kind: agreed ? "agreed" : `session-${SessionStatus[s.status]?.toLowerCase() ?? ""}`,
    text: agreed ? "Sovittu käynti" : `Käynti: ${SESSION_STATUS_NAMES[s.status]}`,
    detail: `${times}${units(s.units?.hundredths, days)}`,
    invoice: s.invoiceId || (awaitsInvoicing(s, now) ? "" : undefined),
  };
}

/** How many sessions, in Finnish: `1 käynti`, `2 käyntiä`. */
function sessionCount(n: number): string {
  return `${n} ${n === 1 ? "käynti" : "käyntiä"}`;
}

/**
 * One invoice as the sessions record it, on its last session's day: when it covers one month,
 * that month (an invoice is a provider's month); its sessions by day with their units.
 */
function invoiceEvent(inv: SessionsInvoice, days: boolean): Event {
  const oneMonth = inv.first.slice(0, 7) === inv.last.slice(0, 7);
  const billed = inv.sessions.map((s) =>
    s.status === SessionStatus.RECORDED
      ? `${date(s.details?.date)} ${units(s.units?.hundredths, days)}`
      : `${date(s.details?.date)} ${SESSION_STATUS_NAMES[s.status].toLowerCase()}`,
  );
  return {
    day: inv.last,
    kind: "invoice",
    when: oneMonth
      ? { datetime: inv.last.slice(0, 7), text: month(inv.last) }
      : { datetime: inv.last, text: `${date(inv.first)}–${date(inv.last)}` },
    text: `Laskutettu: ${sessionCount(inv.sessions.length)}, toteutuneet yhteensä ${units(inv.realisedUnits, days)}`,
    detail: `${billed.join(", ")} (lasku ${inv.invoiceId})`,
    invoice: inv.invoiceId,
  };
}

function absenceEvent(a: Absence): Event {
  return {
    day: iso(a.date),
    kind: "absence",
    text: `${ABSENCE_KIND_NAMES[a.kind]}${a.reason ? `: ${ABSENCE_REASON_NAMES[a.reason]}` : ""}`,
  };
}

function noticeEvent(n: Notice): Event {
  return {
    day: iso(n.toldOn) || iso(n.occurredOn),
    kind: "notice",
    text: `Ilmoitus: ${NOTICE_KIND_NAMES[n.kind]} (${n.rule})`,
    detail: `${n.messageFi}${n.acknowledgedAtMicros > 0n ? " — kuitattu" : " — kuittaamatta"}`,
  };
}

function obligationEvent(o: Obligation): Event {
  return {
    day: iso(o.dueOn),
    kind: "report",
    text: `${REPORT_KIND_NAMES[o.kind]} (${o.rule}), määräaika ${date(o.dueOn)}`,
    detail: `${OBLIGATION_STATUS_NAMES[o.status]}${o.late ? ", myöhässä" : ""}`,
  };
}

/** Fills the timeline of `v` from every service; a part that cannot be read says so. */
export async function showTimeline(api: Api, v: Voucher): Promise<void> {
  const list = element<HTMLOListElement>("#timeline");
  list.dataset.state = "loading";
  list.replaceChildren(h("li", {}, "Ladataan vaiheita…"));
  const o = api.opts;
  const days = countsDays(v.decision?.serviceType ?? ServiceType.UNSPECIFIED);
  const now = today();
  const [sessions, absences, notices, obligations] = await Promise.allSettled([
    api.attendance.listSessions({ voucherId: v.id, pageSize: 500 }, o),
    api.attendance.listAbsences({ voucherId: v.id, pageSize: 500 }, o),
    api.reporting.listNotices({ voucherId: v.id, pageSize: 500 }, o),
    allObligations(api),
  ]);
  const events = voucherEvents(v);
  const missing: string[] = [];
  if (sessions.status === "fulfilled") {
    events.push(...sessions.value.sessions.map((s) => sessionEvent(s, days, now)));
    events.push(...invoicesOf(sessions.value.sessions).map((inv) => invoiceEvent(inv, days)));
  } else missing.push("käynnit ja laskutus");
  if (absences.status === "fulfilled") events.push(...absences.value.absences.map(absenceEvent));
  else missing.push("poissaolot");
  if (notices.status === "fulfilled") events.push(...notices.value.notices.map(noticeEvent));
  else missing.push("ilmoitukset");
  if (obligations.status === "fulfilled") {
    events.push(...obligations.value.filter((ob) => ob.voucherId === v.id).map(obligationEvent));
  } else missing.push("raportit");
  // Stable: an invoice comes after the sessions of its last day.
  events.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  list.replaceChildren(...events.map(eventItem));
  if (missing.length) {
    list.append(h("li", { class: "note", "data-kind": "missing" }, `Ei saatu luettua: ${missing.join(", ")}.`));
  }
  list.dataset.state = "ok";
}

/** The timeline's line of `e`; a session's invoicing after its details. */
function eventItem(e: Event): HTMLLIElement {
  const invoicing =
    e.kind === "invoice" || e.invoice === undefined
      ? null
      : h("span", { class: "invoicing" }, e.invoice ? "; laskutettu" : "; ei vielä laskutettu");
  return h(
    "li",
    { "data-kind": e.kind, "data-day": e.day, "data-invoice": e.invoice },
    h("time", { datetime: e.when?.datetime ?? e.day }, e.when?.text ?? date(e.day)),
    " ",
    h("span", { class: "what" }, e.text),
    e.detail ? h("span", { class: "detail" }, ` — ${e.detail}`) : null,
    invoicing,
  );
}

/** The caller's report obligations, every page (reporting has no voucher filter). */
async function allObligations(api: Api): Promise<Obligation[]> {
  const all: Obligation[] = [];
  let pageToken = "";
  for (let page = 0; page < 20; page++) {
    const r = await api.reporting.listObligations({ pageSize: 500, pageToken }, api.opts);
    all.push(...r.obligations);
    pageToken = r.nextPageToken;
    if (!pageToken) break;
  }
  return all;
}
