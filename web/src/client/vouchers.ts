// The client's own vouchers (ListVouchers answers a `client` only theirs): each as a card with
// its service, validity, units granted, used, reserved and left, provider, responsible coach and
// state; and, for an ISSUED voucher with no provider yet, the comparison from their own home
// (CompareProvidersForVoucher) and the choice (ChooseProvider) after a confirmation, a refusal
// shown with its rule ids and Finnish messages.

import { Code, ConnectError } from "@connectrpc/connect";

import type { Api } from "../api.js";
import { rid } from "../api.js";
import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import { VoucherState, type Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { date, km, units } from "../ui/format.js";
import { countsDays, SERVICE_NAMES, STATE_NAMES } from "../ui/names.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";
import { cardItem, optionCard } from "./compare.js";

/** The states in which the service has ended (feedback may be asked). */
const ENDED = new Set<VoucherState>([VoucherState.COMPLETED, VoucherState.INTERRUPTED, VoucherState.EXPIRED]);

/** Whether the voucher's service has ended. */
export function hasEnded(v: Pick<Voucher, "state">): boolean {
  return ENDED.has(v.state);
}

/** Whether the holder may still choose a provider: issued, and no provider chosen. */
export function mayChoose(v: Pick<Voucher, "state" | "providerId">): boolean {
  return v.state === VoucherState.ISSUED && !v.providerId;
}

/** A voucher as its holder reads it, every value in Finnish. */
export interface VoucherCard {
  id: string;
  number: string;
  service: string;
  state: string;
  /** The state's contract name (`ISSUED`), for tests and styles. */
  stateCode: string;
  valid: string;
  granted: string;
  used: string;
  reserved: string;
  left: string;
  provider: string;
  coach: string;
}

/** The card of voucher `v`. */
export function voucherCard(v: Voucher): VoucherCard {
  const service = v.decision?.serviceType ?? ServiceType.UNSPECIFIED;
  const days = countsDays(service);
  const waiting = v.state === VoucherState.ISSUED && v.providerId ? " (odottaa palveluntuottajan hyväksyntää)" : "";
  return {
    id: v.id,
    number: v.voucherNumber,
    service: SERVICE_NAMES[service] ?? "—",
    state: `${STATE_NAMES[v.state] ?? "—"}${waiting}`,
    stateCode: VoucherState[v.state] ?? "",
    valid: `${date(v.decision?.validFrom)}–${date(v.decision?.validUntil)}`,
    granted: units(v.unitsGranted?.hundredths, days),
    used: units(v.unitsUsed?.hundredths, days),
    reserved: units(v.unitsReserved?.hundredths, days),
    left: units(v.unitsLeft?.hundredths, days),
    provider: v.providerId ? `${v.providerName} (${km(v.providerDistanceKm)} kotoa)` : "Ei vielä valittu",
    coach: v.responsibleCoach || "Ei vielä nimetty",
  };
}

/** The `<dl>` of a voucher card's values. */
function cardValues(c: VoucherCard): HTMLDListElement {
  const row = (term: string, name: string, text: string) => [h("dt", {}, term), h("dd", { "data-field": name }, text)];
  return h(
    "dl",
    {},
    ...row("Palvelu", "service", c.service),
    ...row("Tila", "state", c.state),
    ...row("Voimassa", "valid", c.valid),
    ...row("Myönnetty", "granted", c.granted),
    ...row("Käytetty", "used", c.used),
    ...row("Varattu", "reserved", c.reserved),
    ...row("Jäljellä", "left", c.left),
    ...row("Palveluntuottaja", "provider", c.provider),
    ...row("Vastuuvalmentaja", "coach", c.coach),
  );
}

/** The holder's vouchers, newest first, each with a button opening it. */
export async function listOwnVouchers(api: Api, open: (v: Voucher) => void): Promise<Voucher[]> {
  const { vouchers } = await api.vouchers.listVouchers({ pageSize: 100 }, api.opts);
  const list = element<HTMLUListElement>("#client-vouchers-list");
  list.replaceChildren(
    ...vouchers.map((v) => {
      const c = voucherCard(v);
      const b = h("button", { type: "button", "data-open": v.id }, `Avaa seteli ${c.number}`);
      b.addEventListener("click", () => open(v));
      // The list names each voucher in a line; the opened one shows every value below.
      return h(
        "li",
        { "data-voucher": v.id, "data-state": c.stateCode },
        h("h4", {}, `Seteli ${c.number}`),
        h("p", { class: "meta" }, `${c.service}. ${c.state}, voimassa ${c.valid}.`),
        b,
      );
    }),
  );
  if (!vouchers.length) list.append(h("li", {}, "Sinulle ei ole myönnetty palveluseteleitä."));
  list.dataset.state = "ok";
  return vouchers;
}

/** Shows voucher `v` in the detail card (`#client-voucher`). */
export function showOwnVoucher(v: Voucher): void {
  const section = element<HTMLElement>("#client-voucher");
  const c = voucherCard(v);
  element("#client-voucher-title").textContent = `Seteli ${c.number}`;
  element("#client-voucher-values").replaceChildren(cardValues(c));
  section.dataset.voucherId = v.id;
  section.dataset.state = c.stateCode;
  section.hidden = false;
}

/** The choice of a provider for one voucher: the comparison from home and the confirmation. */
export interface ChooseView {
  /** Shows the comparison for `v` when it may still be chosen for; hides it otherwise. */
  show(v: Voucher): void;
}

/** Wires the choice (`#client-choose`, `#choose-dialog`); `chosen` runs with the changed voucher. */
export function startChoose(api: Api, chosen: (v: Voucher) => Promise<void>): ChooseView {
  const section = element<HTMLElement>("#client-choose");
  const dialog = element<HTMLDialogElement>("#choose-dialog");
  const refusal = refusalIn(element("#client-choose-refusal-slot"), "choose-refusal");
  let voucher: Voucher | undefined;
  let pending: { providerId: string; name: string } | undefined;

  element<HTMLButtonElement>("#choose-cancel").addEventListener("click", () => dialog.close());
  element<HTMLFormElement>("#choose-form").addEventListener("submit", (e) => {
    e.preventDefault();
    dialog.close();
    if (voucher && pending) void choose(api, refusal, voucher, pending, chosen);
  });

  const ask = (providerId: string, name: string) => {
    if (!voucher) return;
    pending = { providerId, name };
    element("#choose-what").textContent =
      `Valitset setelille ${voucher.voucherNumber} palveluntuottajan ${name}. ` +
      "Valinta lähtee palveluntuottajalle, joka hyväksyy setelin ja sopii kanssasi aloituksesta.";
    dialog.showModal();
  };

  element<HTMLButtonElement>("#client-compare-button").addEventListener("click", () => {
    if (voucher) void compareFromHome(api, refusal, voucher, ask);
  });

  return {
    show(v) {
      voucher = v;
      section.hidden = !mayChoose(v);
      element<HTMLElement>("#client-options").hidden = true;
      hideRefusal(refusal);
    },
  };
}

/** The providers the holder may choose for `v`, from their home, nearest first. */
async function compareFromHome(
  api: Api,
  refusal: HTMLElement,
  v: Voucher,
  ask: (providerId: string, name: string) => void,
): Promise<void> {
  const list = element<HTMLUListElement>("#client-options");
  const service = v.decision?.serviceType ?? ServiceType.UNSPECIFIED;
  list.dataset.state = "loading";
  status("loading", "Haetaan palveluntuottajia kotisi läheltä…");
  try {
    const r = await api.vouchers.compareProvidersForVoucher({ voucherId: v.id, pageSize: 50 }, api.opts);
    list.replaceChildren(
      ...r.providers.map((p) => {
        const c = optionCard(p, service);
        const b = h("button", { type: "button", "data-choose": p.providerId, "aria-label": `Valitse ${p.name}` }, "Valitse");
        b.addEventListener("click", () => ask(p.providerId, p.name));
        return cardItem(c, "h5", b);
      }),
    );
    const radius = r.radiusKm > 0 ? `${km(r.radiusKm)} säteellä kodistasi` : "kotisi läheltä";
    if (!r.providers.length) list.append(h("li", {}, `Ei palveluntuottajia ${radius}.`));
    list.hidden = false;
    list.dataset.state = "ok";
    hideRefusal(refusal);
    status("ok", `Löytyi ${r.providers.length} palveluntuottajaa ${radius}.`);
  } catch (err) {
    list.dataset.state = "error";
    await showFailure(refusal, err, api.urls.vouchers);
  }
}

async function choose(
  api: Api,
  refusal: HTMLElement,
  v: Voucher,
  pick: { providerId: string; name: string },
  chosen: (v: Voucher) => Promise<void>,
): Promise<void> {
  status("loading", "Lähetetään valintaa…");
  try {
    const { voucher } = await api.vouchers.chooseProvider(
      { requestId: rid(), voucherId: v.id, providerId: pick.providerId },
      api.opts,
    );
    if (!voucher) throw new ConnectError("the answer had no voucher", Code.Internal);
    hideRefusal(refusal);
    await chosen(voucher);
    status("ok", `Valitsit palveluntuottajan ${pick.name}.`);
  } catch (err) {
    await showFailure(refusal, err, api.urls.vouchers);
  }
}
