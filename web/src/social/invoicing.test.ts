// Unit tests of the invoicing the sessions record (node --test, run by build.sh).

import assert from "node:assert/strict";
import { test } from "node:test";

import { create } from "@bufbuild/protobuf";

import {
  SessionKind,
  SessionSchema,
  SessionStatus,
  type Session,
} from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { month, wire } from "../ui/format.js";
import { awaitsInvoicing, invoicesOf, realised } from "./invoicing.js";

function session(day: string, hundredths: bigint, invoiceId = "", status = SessionStatus.RECORDED, kind = SessionKind.REGULAR): Session {
  return create(SessionSchema, {
    id: `s-${day}`,
    details: { date: wire(day), kind },
    units: { hundredths },
    status,
    invoiceId,
  });
}

test("sessions are grouped by the invoice they were billed on, by day, with their realised units", () => {
  const sessions = [
    session("2026-11-10", 200n, "inv-b"),
    session("2026-11-03", 150n, "inv-b"),
    session("2026-11-12", 0n, "inv-b", SessionStatus.VOIDED),
    session("2026-10-20", 100n, "inv-a"),
    session("2026-12-01", 200n),
  ];
  const invoices = invoicesOf(sessions);
  assert.deepEqual(
    invoices.map((i) => [i.invoiceId, i.first, i.last, i.realisedUnits, i.sessions.map((s) => s.id)]),
    [
      ["inv-a", "2026-10-20", "2026-10-20", 100n, ["s-2026-10-20"]],
      ["inv-b", "2026-11-03", "2026-11-12", 350n, ["s-2026-11-03", "s-2026-11-10", "s-2026-11-12"]],
    ],
  );
  assert.deepEqual(invoicesOf([]), []);
});

test("a realised regular session without an invoice awaits invoicing; agreed and unbilled kinds do not", () => {
  const now = "2026-12-07";
  assert.ok(awaitsInvoicing(session("2026-12-07", 200n), now));
  assert.ok(!awaitsInvoicing(session("2026-11-03", 200n, "inv-b"), now));
  assert.ok(!awaitsInvoicing(session("2026-12-08", 200n), now), "agreed for tomorrow");
  assert.ok(!awaitsInvoicing(session("2026-12-01", 0n, "", SessionStatus.NO_SHOW), now));
  assert.ok(!awaitsInvoicing(session("2026-12-01", 200n, "", SessionStatus.CANCELLED_BY_CLIENT), now));
  const discussion = session("2026-12-01", 0n, "", SessionStatus.RECORDED, SessionKind.INDIVIDUAL_DISCUSSION);
  assert.ok(!realised(discussion, now) && !awaitsInvoicing(discussion, now));
  assert.ok(realised(session("2026-12-01", 100n, "", SessionStatus.RECORDED, SessionKind.UNSPECIFIED), now));
});

test("an invoice's month is written in Finnish", () => {
  assert.equal(month("2026-11-30"), "marraskuu 2026");
  assert.equal(month("2027-01-04"), "tammikuu 2027");
});
