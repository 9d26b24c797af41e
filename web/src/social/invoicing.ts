// The voucher's invoicing as its sessions record it. Billing does not let a social worker read
// invoices, but attendance's sessions, which the social worker does read, carry the invoice each
// was billed on (`invoice_id`, set when billing marks the month's items invoiced; empty until
// then). So the timeline shows, per invoice id, which sessions were billed on it and their units,
// and marks a realised session that is not invoiced yet. What a session does not carry stays
// out: the invoice's number, sum and state, and a no-show's billed units (BILL-NO-SHOW's
// allowance is counted by billing, not stored on the session).

import { SessionKind, SessionStatus, type Session } from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { iso } from "../ui/format.js";

/** One invoice as the voucher's sessions record it. */
export interface SessionsInvoice {
  /** Billing's invoice id. */
  invoiceId: string;
  /** The sessions billed on it, by day. */
  sessions: Session[];
  /** The units of those of its sessions that are realised, hundredths. */
  realisedUnits: bigint;
  /** The day of its first and of its last session (ISO). */
  first: string;
  last: string;
}

/**
 * Whether `s` is a realised session of the voucher's service by `now` (an ISO day): recorded, on
 * or before today, and a regular session (an individual discussion or the included coaching
 * consumes no units and is never billed: BILL-REALISED).
 */
export function realised(s: Session, now: string): boolean {
  const kind = s.details?.kind ?? SessionKind.UNSPECIFIED;
  return (
    s.status === SessionStatus.RECORDED &&
    (kind === SessionKind.UNSPECIFIED || kind === SessionKind.REGULAR) &&
    iso(s.details?.date) !== "" &&
    iso(s.details?.date) <= now
  );
}

/** Whether `s` is realised by `now` and billed on no invoice yet. */
export function awaitsInvoicing(s: Session, now: string): boolean {
  return realised(s, now) && s.invoiceId === "";
}

/**
 * The invoices `sessions` were billed on, each with its sessions by day, ordered by their last
 * session's day. A session billed and later voided or cancelled stays on its invoice (it was
 * billed there) but adds no realised units.
 */
export function invoicesOf(sessions: Session[]): SessionsInvoice[] {
  const byId = new Map<string, Session[]>();
  for (const s of sessions) {
    if (!s.invoiceId) continue;
    const billed = byId.get(s.invoiceId) ?? [];
    billed.push(s);
    byId.set(s.invoiceId, billed);
  }
  const invoices: SessionsInvoice[] = [];
  for (const [invoiceId, billed] of byId) {
    billed.sort((a, b) => compare(iso(a.details?.date), iso(b.details?.date)));
    const realisedUnits = billed
      .filter((s) => s.status === SessionStatus.RECORDED)
      .reduce((sum, s) => sum + (s.units?.hundredths ?? 0n), 0n);
    invoices.push({
      invoiceId,
      sessions: billed,
      realisedUnits,
      first: iso(billed[0]?.details?.date),
      last: iso(billed[billed.length - 1]?.details?.date),
    });
  }
  return invoices.sort((a, b) => compare(a.last, b.last) || compare(a.invoiceId, b.invoiceId));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
