// Dates, money, units and distances as a Finnish reader expects them (Intl, fi-FI), and the
// calendar arithmetic the week grid needs. Days are ISO strings (`2026-12-07`) inside the page
// and `seteli.common.v1.Date` on the wire; "today" is Finland's (Europe/Helsinki), as the
// services' is.

import type { Date as PbDate, Money } from "../gen/seteli/common/v1/common_pb.js";

const DAY = new Intl.DateTimeFormat("fi-FI", {
  day: "numeric",
  month: "numeric",
  year: "numeric",
  timeZone: "UTC",
});
const MONTH = new Intl.DateTimeFormat("fi-FI", { month: "long", year: "numeric", timeZone: "UTC" });
const WEEKDAY = new Intl.DateTimeFormat("fi-FI", { weekday: "short", timeZone: "UTC" });
const SHORT_DAY = new Intl.DateTimeFormat("fi-FI", {
  day: "numeric",
  month: "numeric",
  timeZone: "UTC",
});
const MOMENT = new Intl.DateTimeFormat("fi-FI", {
  day: "numeric",
  month: "numeric",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZone: "Europe/Helsinki",
});
const EUROS = new Intl.NumberFormat("fi-FI", { style: "currency", currency: "EUR" });
const AMOUNT = new Intl.NumberFormat("fi-FI", { maximumFractionDigits: 2 });
const KM = new Intl.NumberFormat("fi-FI", { maximumFractionDigits: 1 });

/** A wire date as an ISO day, or "" when unset. */
export function iso(d: PbDate | undefined): string {
  if (!d || d.year === 0) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
}

/** An ISO day on the wire. */
export function wire(day: string): { year: number; month: number; day: number } {
  const [year = 0, month = 0, d = 0] = day.split("-").map(Number);
  return { year, month, day: d };
}

function utc(day: string): Date {
  const { year, month, day: d } = wire(day);
  return new Date(Date.UTC(year, month - 1, d));
}

/** A day in Finnish: `7.12.2026`; "" when unset. */
export function date(d: PbDate | string | undefined): string {
  const day = typeof d === "string" ? d : iso(d);
  return day ? DAY.format(utc(day)) : "";
}

/** The month of `day` in Finnish: `marraskuu 2026`. */
export function month(day: string): string {
  return MONTH.format(utc(day));
}

/** A day with its weekday, short: `ma 7.12.` */
export function weekday(day: string): string {
  return `${WEEKDAY.format(utc(day))} ${SHORT_DAY.format(utc(day))}`;
}

/** A moment (microseconds since the epoch) in Finnish time: `7.12.2026 klo 10.15`. */
export function moment(micros: bigint): string {
  return micros > 0n ? MOMENT.format(new Date(Number(micros / 1000n))) : "";
}

/** Euros in Finnish: `1 234,50 €`. */
export function euros(m: Money | undefined): string {
  return EUROS.format(Number(m?.cents ?? 0n) / 100);
}

/** Hundredths of a unit as hours or days: `1,5 h`, `3 pv`. */
export function units(hundredths: bigint | undefined, days: boolean): string {
  return `${AMOUNT.format(Number(hundredths ?? 0n) / 100)} ${days ? "pv" : "h"}`;
}

/** A distance: `3,2 km`. */
export function km(distance: number): string {
  return `${KM.format(distance)} km`;
}

/** Today in Finland, as an ISO day. */
export function today(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Helsinki" }).format(new Date());
}

/** `day` moved by `n` days. */
export function addDays(day: string, n: number): string {
  const t = utc(day);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

/** The Monday of the week of `day` (Finnish weeks start on Monday). */
export function monday(day: string): string {
  const weekdayFromMonday = (utc(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekdayFromMonday);
}

/** The ISO week number of `day`. */
export function weekNumber(day: string): number {
  const thursday = utc(addDays(monday(day), 3));
  const firstJan = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - firstJan) / 86_400_000 / 7) + 1;
}

/** `HH:MM` as a wire clock time. */
export function clock(hhmm: string): { hours: number; minutes: number } {
  const [hours = 0, minutes = 0] = hhmm.split(":").map(Number);
  return { hours, minutes };
}

/** A wire clock time in Finnish: `9.00`. */
export function clockText(c: { hours: number; minutes: number } | undefined): string {
  return c ? `${c.hours}.${String(c.minutes).padStart(2, "0")}` : "";
}

/** A day with its weekday and year: `ma 7.12.2026`. */
export function dayWithWeekday(day: string): string {
  return `${WEEKDAY.format(utc(day))} ${date(day)}`;
}
