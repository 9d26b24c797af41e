// Unit tests of the client's pages' pure parts (node --test, run by build.sh): the place typed
// into the public comparison, the provider and voucher cards in Finnish, the record of sessions
// and absences, which reports count as given, and the feedback form's scale and answers.

import assert from "node:assert/strict";
import { test } from "node:test";

import { AbsenceKind, AbsenceReason, Modality, SessionStatus } from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import { ReportState } from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import { VoucherState } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { comparedCard, freePlacesText, optionCard, placeOf } from "./compare.js";
import { answersOf, feedbackState, scalePoints } from "./feedback.js";
import { given, recordLines, sessionLine } from "./follow.js";
import { hasEnded, mayChoose, voucherCard } from "./vouchers.js";

/** No-break spaces (Intl's, in numbers and before units) made plain. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

test("five digits are a postal code, anything else a municipality, nothing is nothing", () => {
  assert.deepEqual(placeOf(" 70100 "), { postalCode: "70100" });
  assert.deepEqual(placeOf("Kuopio"), { municipality: "Kuopio" });
  assert.deepEqual(placeOf("297"), { municipality: "297" });
  assert.deepEqual(placeOf("  Siilin   järvi "), { municipality: "Siilin järvi" });
  assert.equal(placeOf("   "), null);
});

test("free places are a number with its day, or not declared", () => {
  assert.equal(freePlacesText(undefined, undefined), "ei ilmoitettu");
  assert.equal(freePlacesText(0, { year: 2026, month: 12, day: 1 } as never), "0 (ilmoitettu 1.12.2026)");
  assert.equal(freePlacesText(3, undefined), "3");
});

test("a compared provider's card: site, address, distance, price per hour or day, group size", () => {
  const p = {
    providerId: "p1",
    name: "Siilin Valmennus ry",
    siteName: "Toimipiste Siilinjärvi",
    streetAddress: "Kuuluttajantie 1",
    postalCode: "71800",
    municipality: "Siilinjärvi",
    distanceKm: 20.04,
    unitPrice: { cents: 3550n },
    maxGroupSize: 0,
    freePlaces: undefined,
  };
  const c = comparedCard(p as never, ServiceType.KTT_INDIVIDUAL);
  assert.equal(c.name, "Siilin Valmennus ry");
  assert.equal(c.site, "Toimipiste Siilinjärvi");
  assert.equal(c.address, "Kuuluttajantie 1, 71800 Siilinjärvi");
  assert.equal(c.distance, "20 km");
  assert.equal(plain(c.price), "35,50 € / h");
  assert.equal(c.freePlaces, "ei ilmoitettu");
  assert.equal(c.groupSize, "");
  const g = optionCard(
    { ...p, placeName: "Ryhmätila", maxGroupSize: 8, freePlaces: 2, unitPrice: { cents: 9000n } } as never,
    ServiceType.SK_GROUP,
  );
  assert.equal(g.site, "Ryhmätila");
  assert.equal(g.groupSize, "enintään 8 henkilöä");
  assert.equal(g.freePlaces, "2");
  assert.equal(plain(g.price), "90,00 € / h");
  assert.equal(plain(optionCard({ ...p, placeName: "x" } as never, ServiceType.KTT_GROUP).price), "35,50 € / pv");
});

const voucher = (over: Record<string, unknown> = {}) =>
  ({
    id: "v1",
    voucherNumber: "PS-2026-000123",
    state: VoucherState.ISSUED,
    providerId: "",
    providerName: "",
    providerDistanceKm: 0,
    responsibleCoach: "",
    decision: {
      serviceType: ServiceType.KTT_INDIVIDUAL,
      validFrom: { year: 2026, month: 12, day: 1 },
      validUntil: { year: 2027, month: 2, day: 28 },
    },
    unitsGranted: { hundredths: 4000n },
    unitsUsed: { hundredths: 250n },
    unitsReserved: { hundredths: 200n },
    unitsLeft: { hundredths: 3550n },
    ...over,
  }) as never;

test("a voucher's card in Finnish: validity, units, provider, coach, state", () => {
  const c = voucherCard(voucher());
  assert.equal(c.number, "PS-2026-000123");
  assert.equal(c.service, "Kuntouttava työtoiminta, yksilövalmennus");
  assert.equal(c.valid, "1.12.2026–28.2.2027");
  assert.deepEqual([c.granted, c.used, c.reserved, c.left], ["40 h", "2,5 h", "2 h", "35,5 h"]);
  assert.equal(c.provider, "Ei vielä valittu");
  assert.equal(c.coach, "Ei vielä nimetty");
  assert.equal(c.state, "Myönnetty");
  assert.equal(c.stateCode, "ISSUED");
  const chosen = voucherCard(voucher({ providerId: "p1", providerName: "Siilin Valmennus ry", providerDistanceKm: 3.24 }));
  assert.equal(chosen.provider, "Siilin Valmennus ry (3,2 km kotoa)");
  assert.equal(chosen.state, "Myönnetty (odottaa palveluntuottajan hyväksyntää)");
  const active = voucherCard(voucher({ state: VoucherState.ACTIVE, providerId: "p1", providerName: "X", responsibleCoach: "Valma Valmentaja" }));
  assert.equal(active.coach, "Valma Valmentaja");
  assert.equal(active.state, "Palvelu käynnissä");
});

test("a provider may be chosen only on an issued voucher without one; feedback only after the end", () => {
  assert.equal(mayChoose(voucher()), true);
  assert.equal(mayChoose(voucher({ providerId: "p1" })), false);
  assert.equal(mayChoose(voucher({ state: VoucherState.ACTIVE })), false);
  assert.equal(hasEnded(voucher({ state: VoucherState.COMPLETED })), true);
  assert.equal(hasEnded(voucher({ state: VoucherState.INTERRUPTED })), true);
  assert.equal(hasEnded(voucher({ state: VoucherState.ACTIVE })), false);
  assert.equal(hasEnded(voucher({ state: VoucherState.CANCELLED })), false);
});

const session = (day: number, status: SessionStatus, hours = 200n) =>
  ({
    serviceType: ServiceType.KTT_INDIVIDUAL,
    status,
    units: { hundredths: hours },
    details: {
      date: { year: 2026, month: 12, day },
      startTime: { hours: 9, minutes: 0 },
      endTime: { hours: 11, minutes: 0 },
      modality: Modality.ON_SITE,
    },
  }) as never;

test("sessions and absences in one record by day; a later session is agreed", () => {
  const done = sessionLine(session(7, SessionStatus.RECORDED), "2026-12-07");
  assert.equal(done.kind, "session-recorded");
  assert.equal(done.what, "Toteutunut");
  assert.equal(done.detail, "klo 9.00–11.00, paikan päällä, 2 h");
  assert.match(done.when, /7\.12\.2026$/);
  const later = sessionLine(session(9, SessionStatus.RECORDED), "2026-12-07");
  assert.equal(later.kind, "agreed");
  assert.equal(later.what, "Sovittu käynti");
  const absence = { date: { year: 2026, month: 12, day: 8 }, kind: AbsenceKind.ABSENT, reason: AbsenceReason.OWN_ILLNESS } as never;
  const lines = recordLines([session(9, SessionStatus.RECORDED), session(4, SessionStatus.NO_SHOW, 0n)], [absence], "2026-12-07");
  assert.deepEqual(
    lines.map((l) => [l.day, l.kind, l.what]),
    [
      ["2026-12-04", "session-no_show", "Ei saapunut"],
      ["2026-12-08", "absence", "Poissa"],
      ["2026-12-09", "agreed", "Sovittu käynti"],
    ],
  );
  assert.equal(lines[1]?.detail, "Oma sairaus");
});

test("a report is given to its client once submitted or acknowledged", () => {
  assert.equal(given({ reportState: ReportState.SUBMITTED }), true);
  assert.equal(given({ reportState: ReportState.ACKNOWLEDGED }), true);
  assert.equal(given({ reportState: ReportState.DRAFT }), false);
  assert.equal(given({ reportState: ReportState.REVISION_REQUESTED }), false);
});

test("a 1–5 scale is labelled in words at every point; another only at its ends", () => {
  assert.deepEqual(
    scalePoints(1, 5).map((p) => p.label),
    ["1 – täysin eri mieltä", "2 – jokseenkin eri mieltä", "3 – ei samaa eikä eri mieltä", "4 – jokseenkin samaa mieltä", "5 – täysin samaa mieltä"],
  );
  assert.deepEqual(
    scalePoints(0, 3).map((p) => p.label),
    ["0 – heikoin", "1", "2", "3 – paras"],
  );
});

test("every question must be answered on its scale; the form's state follows the service's answer", () => {
  const questions = [
    { key: "overall", text: "Olen tyytyväinen palveluun", scaleMin: 1, scaleMax: 5 },
    { key: "coach", text: "Valmentaja tuki minua", scaleMin: 1, scaleMax: 5 },
  ];
  const picked = new Map([["overall", "4"], ["coach", "9"]]);
  const some = answersOf(questions, (k) => picked.get(k) ?? null);
  assert.deepEqual(some.answers, [{ questionKey: "overall", score: 4 }]);
  assert.deepEqual(some.missing, ["Valmentaja tuki minua"]);
  picked.set("coach", "5");
  assert.deepEqual(answersOf(questions, (k) => picked.get(k) ?? null).missing, []);
  assert.equal(feedbackState({ mayAnswer: true, answered: false }), "answer");
  assert.equal(feedbackState({ mayAnswer: false, answered: true }), "thanks");
  assert.equal(feedbackState({ mayAnswer: false, answered: false }), "closed");
});
