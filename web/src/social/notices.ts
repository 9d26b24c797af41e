// The social worker's notices inbox (reporting's ListNotices: their own clients' notices, the
// latest told first), each with its rule, dates and the Finnish message, and the acknowledgement
// (AcknowledgeNotice) with an optional note. Notices name a voucher by id: the page shows its
// number, read once per voucher.

import type { Api } from "../api.js";
import { rid } from "../api.js";
import { NoticeState, type Notice } from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { date, moment } from "../ui/format.js";
import { NOTICE_KIND_NAMES } from "../ui/names.js";
import { refusalIn, hideRefusal, showFailure } from "../ui/refusal.js";

const numbers = new Map<string, string>();

async function voucherNumber(api: Api, voucherId: string): Promise<string> {
  const known = numbers.get(voucherId);
  if (known) return known;
  try {
    const { voucher } = await api.vouchers.getVoucher({ voucherId }, api.opts);
    const n = voucher?.voucherNumber ?? voucherId;
    numbers.set(voucherId, n);
    return n;
  } catch {
    return voucherId;
  }
}

/** Fills the inbox. */
export async function showNotices(api: Api): Promise<void> {
  const list = element<HTMLUListElement>("#notice-list");
  const refusal = refusalIn(element("#notices"), "notices-refusal");
  const openOnly = element<HTMLInputElement>("#notices-open-only");
  openOnly.onchange = () => void showNotices(api);
  list.dataset.state = "loading";
  status("loading", "Haetaan ilmoituksia…");
  try {
    const { notices } = await api.reporting.listNotices(
      { state: openOnly.checked ? NoticeState.OPEN : NoticeState.UNSPECIFIED, pageSize: 200 },
      api.opts,
    );
    const cards = await Promise.all(notices.map((n) => card(api, n, refusal)));
    list.replaceChildren(...cards);
    if (!notices.length) list.append(h("li", {}, "Ei ilmoituksia."));
    hideRefusal(refusal);
    list.dataset.state = "ok";
    status("ok", `${notices.length} ilmoitusta.`);
  } catch (err) {
    list.dataset.state = "error";
    await showFailure(refusal, err, api.urls.reporting);
  }
}

async function card(api: Api, n: Notice, refusal: HTMLElement): Promise<HTMLLIElement> {
  const number = await voucherNumber(api, n.voucherId);
  const acknowledged = n.state === NoticeState.ACKNOWLEDGED;
  const li = h(
    "li",
    { "data-notice": n.id, "data-state": acknowledged ? "acknowledged" : "open" },
    h("h4", {}, `${NOTICE_KIND_NAMES[n.kind]} — seteli ${number}`),
    h(
      "p",
      { class: "meta" },
      `Sääntö ${n.rule}. Tapahtui ${date(n.occurredOn)}, ilmoitettava viimeistään ${date(n.dueOn)}, ` +
        `ilmoitettu ${date(n.toldOn)}${n.late ? " (myöhässä)" : ""}.`,
    ),
    h("p", { "data-field": "message" }, n.messageFi),
    n.details ? h("blockquote", {}, n.details) : null,
  );
  if (acknowledged) {
    li.append(
      h("p", { class: "done" }, `Kuitattu ${moment(n.acknowledgedAtMicros)}${n.acknowledgementNote ? `: ${n.acknowledgementNote}` : ""}`),
    );
    return li;
  }
  const noteId = `note-${n.id}`;
  const note = h("input", { id: noteId, maxlength: 2000 });
  const ack = h("button", { type: "submit", "data-ack": n.id }, "Kuittaa luetuksi");
  const form = h("form", { class: "ack" }, h("label", { for: noteId }, "Merkintä (valinnainen)"), note, ack);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    status("loading", "Kuitataan…");
    void (async () => {
      try {
        await api.reporting.acknowledgeNotice({ requestId: rid(), noticeId: n.id, note: note.value.trim() }, api.opts);
        await showNotices(api);
        status("ok", "Ilmoitus kuitattu.");
      } catch (err) {
        await showFailure(refusal, err, api.urls.reporting);
      }
    })();
  });
  li.append(form);
  return li;
}
