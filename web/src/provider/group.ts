// A group's session marked for everyone at once (RecordGroupSession): the group, the day and the
// hours, one mark per client enrolled that day — present unless changed to absent (with Kela's
// reason) or no-show — sent together; what each mark became is listed, and a refusal shows its
// rule ids, sections and Finnish message.

import type { Api } from "../api.js";
import { rid } from "../api.js";
import {
  AbsenceReason,
  EnrolmentState,
  Modality,
  Presence,
  type Group,
} from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { clock, date, iso, today, wire } from "../ui/format.js";
import { ABSENCE_REASON_NAMES } from "../ui/names.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";
import { ownVouchers } from "./vouchers.js";

const PRESENCE_NAMES: Record<number, string> = {
  [Presence.PRESENT]: "Läsnä",
  [Presence.ABSENT]: "Poissa",
  [Presence.NO_SHOW]: "Ei saapunut",
};

/** The group view, reloaded whenever it is shown. */
export interface GroupsView {
  reload(): Promise<void>;
}

/** Wires the group form. */
export function startGroups(api: Api): GroupsView {
  const select = element<HTMLSelectElement>("#group-select");
  const day = element<HTMLInputElement>("#group-date");
  const members = element<HTMLUListElement>("#group-members");
  const outcomes = element<HTMLUListElement>("#group-outcomes");
  const refusal = refusalIn(element("#group-refusal-slot"), "group-refusal");
  const names = new Map<string, string>();
  let groups: Group[] = [];
  day.value = today();

  /** The enrolled clients of the chosen group on the chosen day, one row of marks each. */
  const showMembers = async () => {
    members.replaceChildren();
    members.dataset.state = "loading";
    const id = select.value;
    if (!id) return;
    try {
      const { group } = await api.attendance.getGroup({ groupId: id }, api.opts);
      const on = day.value;
      const enrolled = (group?.enrolments ?? []).filter(
        (e) => e.state === EnrolmentState.ENROLLED && iso(e.joinsOn) <= on,
      );
      members.replaceChildren(
        ...enrolled.map((e, i) => {
          const presence = h(
            "select",
            { id: `presence-${i}`, "data-voucher": e.voucherId, class: "presence" },
            ...[Presence.PRESENT, Presence.ABSENT, Presence.NO_SHOW].map((p) => h("option", { value: p }, PRESENCE_NAMES[p])),
          );
          const reason = h(
            "select",
            { id: `reason-${i}`, class: "reason" },
            ...Object.entries(ABSENCE_REASON_NAMES)
              .filter(([v]) => v !== "0")
              .map(([v, n]) => h("option", { value: v }, n)),
          );
          // Kela's reason is asked only of an absence.
          const reasonShown = () => {
            reason.hidden = Number(presence.value) !== Presence.ABSENT;
          };
          presence.addEventListener("change", reasonShown);
          reasonShown();
          const name = names.get(e.voucherId) ?? e.voucherId;
          return h(
            "li",
            { "data-voucher": e.voucherId },
            h("label", { for: `presence-${i}` }, name),
            presence,
            h("label", { for: `reason-${i}`, class: "visually-hidden" }, `${name}: poissaolon syy (Kela)`),
            reason,
          );
        }),
      );
      if (!enrolled.length) members.append(h("li", {}, `Ryhmässä ei ole asiakkaita ${date(on)}.`));
      members.dataset.state = "ok";
    } catch (err) {
      await showFailure(refusal, err, api.urls.attendance);
    }
  };

  const reload = async () => {
    status("loading", "Haetaan ryhmiä…");
    try {
      const [list, vouchers] = await Promise.all([
        api.attendance.listGroups({ pageSize: 200 }, api.opts),
        ownVouchers(api),
      ]);
      for (const v of vouchers) names.set(v.id, `${v.client?.name ?? ""} (${v.voucherNumber})`);
      groups = list.groups;
      select.replaceChildren(
        ...groups.map((g) => h("option", { value: g.id }, `${g.details?.name ?? ""}, alkaa ${date(g.start)}`)),
      );
      await showMembers();
      hideRefusal(refusal);
      status("ok", groups.length ? `${groups.length} ryhmää.` : "Ei ryhmiä.");
    } catch (err) {
      await showFailure(refusal, err, api.urls.attendance);
    }
  };

  select.addEventListener("change", () => void showMembers());
  day.addEventListener("change", () => void showMembers());

  element<HTMLFormElement>("#group-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const marks = [...members.querySelectorAll<HTMLLIElement>("li[data-voucher]")].map((li) => {
      const presence = Number(element<HTMLSelectElement>("select.presence", li).value) as Presence;
      return {
        voucherId: li.dataset.voucher ?? "",
        presence,
        absenceReason:
          presence === Presence.ABSENT
            ? (Number(element<HTMLSelectElement>("select.reason", li).value) as AbsenceReason)
            : AbsenceReason.UNSPECIFIED,
      };
    });
    status("loading", "Kirjataan ryhmän kokoontumista…");
    void (async () => {
      try {
        const r = await api.attendance.recordGroupSession(
          {
            requestId: rid(),
            groupId: select.value,
            details: {
              date: wire(day.value),
              startTime: clock(element<HTMLInputElement>("#group-start").value),
              endTime: clock(element<HTMLInputElement>("#group-end").value),
              modality: Modality.ON_SITE,
            },
            marks,
          },
          api.opts,
        );
        outcomes.replaceChildren(
          ...r.outcomes.map((o) =>
            h(
              "li",
              { "data-voucher": o.voucherId, "data-presence": Presence[o.presence] ?? "" },
              `${names.get(o.voucherId) ?? o.voucherId}: ${PRESENCE_NAMES[o.presence] ?? ""}` +
                o.warnings.map((w) => ` — huomautus ${w.ruleId} (${w.section}): ${w.messageFi}`).join(""),
            ),
          ),
        );
        hideRefusal(refusal);
        status("ok", `Kokoontuminen ${date(day.value)} kirjattu ${r.outcomes.length} asiakkaalle.`);
      } catch (err) {
        await showFailure(refusal, err, api.urls.attendance);
      }
    })();
  });

  return { reload };
}
