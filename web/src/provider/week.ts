// The week grid (eVaka's attendance view, a tablet's width): the provider's clients × the days
// of a week, each cell a button; clicking one (or Enter on it) opens the day's dialog: realised
// (or, for a later day, agreed: sovittu aika), no-show, cancelled by the client beforehand, or
// absent with Kela's reason. What is already recorded shows in the cell. Realised and agreed are
// a session (RecordSession with the voucher's responsible coach and the clock times); a no-show
// and a cancellation are that session cancelled by the client (CancelSession: without a date a
// no-show, dated today a cancellation beforehand); an absence is RecordAbsence. The services
// decide: a refusal shows its rule ids, sections and Finnish message in the dialog.

import type { Api } from "../api.js";
import { rid } from "../api.js";
import {
  AbsenceKind,
  AbsenceReason,
  CancelledBy,
  Modality,
  SessionKind,
  SessionStatus,
  type Absence,
  type Session,
  type Warning,
} from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import type { Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, field, h, status } from "../ui/dom.js";
import { addDays, clock, dayWithWeekday, clockText, date, iso, monday, today, units, weekNumber, weekday, wire } from "../ui/format.js";
import { ABSENCE_REASON_NAMES, countsDays } from "../ui/names.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";
import { ownVouchers } from "./vouchers.js";

/** What one cell shows: the day's mark, its symbol and its words. */
type Mark = "empty" | "realised" | "agreed" | "no-show" | "cancelled" | "absent";

interface Row {
  voucher: Voucher;
  sessions: Session[];
  absences: Absence[];
}

/** The grid, reloaded whenever it is shown. */
export interface WeekView {
  reload(): Promise<void>;
}

const SYMBOLS: Record<Mark, string> = {
  empty: "+",
  realised: "✓",
  agreed: "◷",
  "no-show": "✗",
  cancelled: "–",
  absent: "P",
};

const GROUP_SERVICES = new Set([ServiceType.SK_GROUP, ServiceType.KTT_GROUP]);

function cellOf(row: Row, day: string, now: string): { mark: Mark; words: string; session?: Session } {
  const absence = row.absences.find((a) => iso(a.date) === day);
  if (absence) {
    const words = absence.kind === AbsenceKind.ABSENT ? `Poissa: ${ABSENCE_REASON_NAMES[absence.reason]}` : "Ei toimintaa";
    return { mark: "absent", words };
  }
  const onDay = row.sessions.filter((s) => iso(s.details?.date) === day && s.status !== SessionStatus.VOIDED);
  const days = countsDays(row.voucher.decision?.serviceType ?? 0);
  const recorded = onDay.find((s) => s.status === SessionStatus.RECORDED);
  if (recorded) {
    const d = recorded.details;
    const times = d?.startTime ? ` ${clockText(d.startTime)}–${clockText(d.endTime)}` : "";
    return day > now
      ? { mark: "agreed", words: `Sovittu${times}`, session: recorded }
      : { mark: "realised", words: `Toteutunut ${units(recorded.units?.hundredths, days)}`, session: recorded };
  }
  if (onDay.some((s) => s.status === SessionStatus.NO_SHOW)) return { mark: "no-show", words: "Ei saapunut" };
  if (onDay.length) return { mark: "cancelled", words: "Peruttu" };
  return { mark: "empty", words: "Ei merkintää" };
}

function validOn(v: Voucher, day: string): boolean {
  return iso(v.decision?.validFrom) <= day && day <= iso(v.decision?.validUntil);
}

/** Warnings in a status line: rule id, section and the Finnish message. */
function warningText(warnings: Warning[]): string {
  return warnings.map((w) => ` Huomautus ${w.ruleId} (${w.section}): ${w.messageFi}`).join("");
}

/** Wires the week grid and its dialog. */
export function startWeek(api: Api): WeekView {
  const weekOf = element<HTMLInputElement>("#week-of");
  const table = element<HTMLTableElement>("#week-grid");
  const dialog = element<HTMLDialogElement>("#cell-dialog");
  const form = element<HTMLFormElement>("#cell-form");
  const refusal = refusalIn(element("#cell-refusal-slot"), "cell-refusal");
  const weekRefusal = refusalIn(element("#week"), "week-refusal");
  const reason = element<HTMLSelectElement>("#cell-reason");
  reason.replaceChildren(
    ...Object.entries(ABSENCE_REASON_NAMES)
      .filter(([v]) => v !== "0")
      .map(([v, name]) => h("option", { value: v }, name)),
  );
  weekOf.value = today();
  let rows: Row[] = [];
  let open: { row: Row; day: string; session?: Session; button: HTMLButtonElement } | undefined;

  const load = async (v: Voucher): Promise<Row> => {
    const [s, a] = await Promise.all([
      api.attendance.listSessions({ voucherId: v.id, pageSize: 500 }, api.opts),
      api.attendance.listAbsences({ voucherId: v.id, pageSize: 500 }, api.opts),
    ]);
    return { voucher: v, sessions: s.sessions, absences: a.absences };
  };

  const draw = () => {
    const first = monday(weekOf.value || today());
    const days = [0, 1, 2, 3, 4, 5, 6].map((n) => addDays(first, n));
    const now = today();
    field(element("#week"), "week").textContent = `${weekNumber(first)}: ${date(first)}–${date(days[6])}`;
    element<HTMLTableSectionElement>("thead", table).replaceChildren(
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Asiakas"),
        ...days.map((d) => h("th", { scope: "col", "data-date": d, class: d === now ? "today" : "" }, weekday(d))),
      ),
    );
    const body = element<HTMLTableSectionElement>("tbody", table);
    body.replaceChildren(
      ...rows.map((row) => {
        const v = row.voucher;
        const name = v.client?.name ?? "";
        return h(
          "tr",
          { "data-voucher": v.id },
          h("th", { scope: "row" }, name, h("span", { class: "sub" }, v.voucherNumber)),
          ...days.map((d) => {
            if (!validOn(v, d)) return h("td", { class: "off", "data-date": d }, h("span", { "aria-label": "Ei voimassa" }, "·"));
            const cell = cellOf(row, d, now);
            const b = h(
              "button",
              {
                type: "button",
                class: `cell ${cell.mark}`,
                "data-voucher": v.id,
                "data-date": d,
                "data-mark": cell.mark,
                "aria-label": `${name} ${weekday(d)}: ${cell.words}. Kirjaa päivä.`,
              },
              h("span", { "aria-hidden": "true" }, SYMBOLS[cell.mark]),
              h("span", { class: "words" }, cell.words),
            );
            b.addEventListener("click", () => openCell(row, d, cell.session, b));
            return h("td", { "data-date": d }, b);
          }),
        );
      }),
    );
    if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 8 }, "Ei asiakkaita, joiden seteli on voimassa.")));
    table.dataset.week = first;
    drawAgreed(now);
  };

  /** Every session agreed for a later day, whatever the week shown: the weeks ahead at a glance. */
  const drawAgreed = (now: string) => {
    const agreed = rows
      .flatMap((row) =>
        row.sessions
          .filter((s) => s.status === SessionStatus.RECORDED && iso(s.details?.date) > now)
          .map((s) => ({ row, s, day: iso(s.details?.date) })),
      )
      .sort((a, b) => a.day.localeCompare(b.day));
    const list = element<HTMLUListElement>("#agreed-list");
    list.replaceChildren(
      ...agreed.map(({ row, s, day }) =>
        h(
          "li",
          { "data-voucher": row.voucher.id, "data-date": day },
          h("time", { datetime: day }, dayWithWeekday(day)),
          ` klo ${clockText(s.details?.startTime)}–${clockText(s.details?.endTime)}: `,
          `${row.voucher.client?.name ?? ""} (${row.voucher.voucherNumber})`,
        ),
      ),
    );
    if (!agreed.length) list.append(h("li", {}, "Ei sovittuja käyntejä."));
  };

  const reload = async () => {
    table.dataset.state = "loading";
    status("loading", "Haetaan viikon merkintöjä…");
    try {
      rows = await Promise.all((await ownVouchers(api)).map(load));
      draw();
      hideRefusal(weekRefusal);
      table.dataset.state = "ok";
      status("ok", `Viikko ${weekNumber(weekOf.value || today())} ladattu.`);
    } catch (err) {
      table.dataset.state = "error";
      await showFailure(weekRefusal, err, api.urls.vouchers);
    }
  };

  const openCell = (row: Row, day: string, session: Session | undefined, button: HTMLButtonElement) => {
    open = { row, day, session, button };
    const later = day > today();
    field(form, "cell-what").textContent = `${row.voucher.client?.name ?? ""}, ${dayWithWeekday(day)}`;
    field(form, "realised-label").textContent = later ? "Sovittu käynti" : "Toteutunut";
    const start = session?.details?.startTime;
    const end = session?.details?.endTime;
    const hhmm = (c: { hours: number; minutes: number }) => `${String(c.hours).padStart(2, "0")}:${String(c.minutes).padStart(2, "0")}`;
    element<HTMLInputElement>("#cell-start").value = start ? hhmm(start) : element<HTMLInputElement>("#default-start").value;
    element<HTMLInputElement>("#cell-end").value = end ? hhmm(end) : element<HTMLInputElement>("#default-end").value;
    element<HTMLInputElement>('input[name="mark"][value="realised"]', form).checked = true;
    hideRefusal(refusal);
    dialog.showModal();
  };

  /** A session on the open day: the one there is, or a new one as the dialog says. */
  const sessionFor = async (): Promise<{ session: Session; warnings: Warning[] }> => {
    if (!open) throw new Error("no cell");
    if (open.session) return { session: open.session, warnings: [] };
    const v = open.row.voucher;
    const service = v.decision?.serviceType ?? ServiceType.UNSPECIFIED;
    const r = await api.attendance.recordSession(
      {
        requestId: rid(),
        voucherId: v.id,
        details: {
          date: wire(open.day),
          startTime: clock(element<HTMLInputElement>("#cell-start").value),
          endTime: clock(element<HTMLInputElement>("#cell-end").value),
          modality: Modality.ON_SITE,
          kind: SessionKind.REGULAR,
          coach: v.responsibleCoach,
          participants: GROUP_SERVICES.has(service) ? 1 : 0,
        },
      },
      api.opts,
    );
    if (!r.session) throw new Error("the answer had no session");
    open.session = r.session;
    return { session: r.session, warnings: r.warnings };
  };

  const save = async () => {
    if (!open) return;
    const mark = (new FormData(form).get("mark") as string | null) ?? "realised";
    const at = open;
    status("loading", "Tallennetaan…");
    try {
      let said = "";
      if (mark === "absent") {
        await api.attendance.recordAbsence(
          {
            requestId: rid(),
            voucherId: at.row.voucher.id,
            date: wire(at.day),
            kind: AbsenceKind.ABSENT,
            reason: Number(reason.value) as AbsenceReason,
          },
          api.opts,
        );
        said = `Poissaolo kirjattu ${date(at.day)}.`;
      } else {
        const { session, warnings } = await sessionFor();
        said = `Käynti kirjattu ${date(at.day)}.${warningText(warnings)}`;
        if (mark === "no-show" || mark === "cancelled") {
          await api.attendance.cancelSession(
            {
              requestId: rid(),
              sessionId: session.id,
              cancellation: {
                by: CancelledBy.CLIENT,
                cancelledOn: mark === "cancelled" ? wire(today()) : undefined,
              },
            },
            api.opts,
          );
          said = mark === "no-show" ? `Ei saapunut ${date(at.day)}.` : `Peruttu ${date(at.day)}.`;
        }
      }
      const fresh = await load(at.row.voucher);
      rows = rows.map((r) => (r.voucher.id === fresh.voucher.id ? fresh : r));
      dialog.close();
      draw();
      status("ok", said);
      table.querySelector<HTMLButtonElement>(`button[data-voucher="${at.row.voucher.id}"][data-date="${at.day}"]`)?.focus();
    } catch (err) {
      await showFailure(refusal, err, api.urls.attendance);
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void save();
  });
  element<HTMLButtonElement>("#cell-close").addEventListener("click", () => {
    dialog.close();
    open?.button.focus();
  });
  const move = (days: number) => {
    weekOf.value = addDays(weekOf.value || today(), days);
    draw();
  };
  element<HTMLButtonElement>("#week-prev").addEventListener("click", () => move(-7));
  element<HTMLButtonElement>("#week-next").addEventListener("click", () => move(7));
  weekOf.addEventListener("change", () => draw());
  element<HTMLFormElement>("#week-nav").addEventListener("submit", (e) => {
    e.preventDefault();
    draw();
  });
  return { reload };
}
