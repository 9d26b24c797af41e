// The voucher holder's pages (role `client`, strongly identified): their own vouchers; one opened
// shows its values, the choice of a provider while it may still be made (vouchers.ts), the
// sessions and absences recorded and the reports given (follow.ts), and the feedback form once
// the service has ended (feedback.ts). The services answer a client only about their own
// vouchers; the page never asks about anybody else's.

import type { Api } from "../api.js";
import type { Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { today } from "../ui/format.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";
import { startFeedback } from "./feedback.js";
import { showRecord, showReportsGiven } from "./follow.js";
import { hasEnded, listOwnVouchers, showOwnVoucher, startChoose } from "./vouchers.js";

/** Opens the client's pages. */
export async function startClient(api: Api): Promise<void> {
  const portal = element<HTMLElement>("#client-portal");
  portal.hidden = false;
  const refusal = refusalIn(element("#client-refusal-slot"), "client-refusal");
  const feedback = startFeedback(api);

  const open = async (v: Voucher, said: string) => {
    showOwnVoucher(v);
    choose.show(v);
    const section = element<HTMLElement>("#client-voucher");
    section.dataset.loaded = "false";
    status("loading", `Haetaan setelin ${v.voucherNumber} tietoja…`);
    const parts = await Promise.allSettled([
      showRecord(api, v, today()),
      showReportsGiven(api, v, refusal),
      feedback.show(v.id, hasEnded(v)),
    ]);
    const names = ["käynnit ja poissaolot", "raportit", "palautelomake"];
    const missing = names.filter((_, i) => parts[i]?.status === "rejected");
    const note = element<HTMLElement>("#client-missing");
    note.textContent = missing.length ? `Ei saatu luettua: ${missing.join(", ")}.` : "";
    note.hidden = !missing.length;
    section.dataset.loaded = "true";
    // The first part that failed, with the address of the service it asked.
    const urls = [api.urls.attendance, api.urls.reporting, api.urls.reporting];
    const failed = parts.findIndex((p) => p.status === "rejected");
    const part = parts[failed];
    if (part?.status === "rejected") await showFailure(refusal, part.reason, urls[failed] ?? "");
    else {
      hideRefusal(refusal);
      status("ok", said);
    }
  };

  const reload = async (v: Voucher, said: string) => {
    await listOwnVouchers(api, (w) => void open(w, `Seteli ${w.voucherNumber} avattu.`));
    await open(v, said);
  };
  const choose = startChoose(api, (v) => reload(v, `Valinta lähetetty setelille ${v.voucherNumber}.`));

  status("loading", "Haetaan setelejäsi…");
  try {
    const vouchers = await listOwnVouchers(api, (v) => {
      void open(v, `Seteli ${v.voucherNumber} avattu.`);
      element<HTMLElement>("#client-voucher-title").focus();
    });
    const name = vouchers[0]?.client?.name;
    element("#client-greeting").textContent = name ? `Hei ${name}!` : "Hei!";
    if (vouchers.length === 1 && vouchers[0]) await open(vouchers[0], "Setelisi on avattu.");
    else status("ok", `Sinulla on ${vouchers.length} palveluseteliä.`);
  } catch (err) {
    element("#client-vouchers-list").replaceChildren(h("li", {}, "Setelejä ei saatu luettua."));
    await showFailure(refusal, err, api.urls.vouchers);
  }
}
