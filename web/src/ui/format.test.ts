// Unit tests of the Finnish formats and the week arithmetic (node --test, run by build.sh).

import assert from "node:assert/strict";
import { test } from "node:test";

import { addDays, clock, clockText, date, euros, iso, km, monday, units, weekNumber, wire } from "./format.js";

/** No-break spaces (Intl's, in numbers and before units) made plain. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

test("days are written as in Finland and go both ways on the wire", () => {
  assert.equal(date("2026-12-07"), "7.12.2026");
  assert.equal(date({ year: 2027, month: 1, day: 31 } as never), "31.1.2027");
  assert.equal(date(undefined), "");
  assert.equal(iso(wire("2026-03-05") as never), "2026-03-05");
});

test("money, units and distances in Finnish", () => {
  assert.equal(plain(euros({ cents: 140000n } as never)), "1 400,00 €");
  assert.equal(plain(euros({ cents: 3550n } as never)), "35,50 €");
  assert.equal(units(150n, false), "1,5 h");
  assert.equal(units(300n, true), "3 pv");
  assert.equal(km(20.345), "20,3 km");
  assert.equal(clockText(clock("09:05")), "9.05");
});

test("weeks start on Monday and are numbered as ISO 8601 says", () => {
  assert.equal(monday("2026-12-07"), "2026-12-07");
  assert.equal(monday("2026-12-13"), "2026-12-07");
  assert.equal(monday("2027-01-01"), "2026-12-28");
  assert.equal(weekNumber("2026-12-07"), 50);
  assert.equal(weekNumber("2027-01-01"), 53);
  assert.equal(weekNumber("2027-01-04"), 1);
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(addDays("2026-03-01", -1), "2026-02-28");
});
