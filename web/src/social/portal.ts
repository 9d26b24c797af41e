// The social worker's portal: find a voucher by its number, or a client by name and then their
// vouchers; the voucher's data and timeline; the client's choice of provider from the providers
// that offer the voucher's service near the client's home (SearchProviders: distance and price),
// never by typing an id; the notices inbox; a new decision checked live against the rulebooks.

import { Code, ConnectError } from "@connectrpc/connect";

import type { Api } from "../api.js";
import { rid } from "../api.js";
import type { Client, Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, fill, h, status } from "../ui/dom.js";
import { date, euros, km } from "../ui/format.js";
import { SERVICE_NAMES, STATE_NAMES, countsDays } from "../ui/names.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";
import { tabs } from "../ui/tabs.js";
import { startIssue, type IssueView } from "./issue.js";
import { showNotices } from "./notices.js";
import { showTimeline, showVoucher } from "./voucher.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the portal is looking at. */
interface Focus {
  client?: Client;
  voucher?: Voucher;
}

/** Opens the social worker's portal. */
export function startSocial(api: Api): void {
  const portal = element<HTMLElement>("#social");
  portal.hidden = false;
  const refusal = refusalIn(element("#refusal-slot"), "refusal");
  const focus: Focus = {};
  let issue: IssueView | undefined;
  const show = tabs(portal, (section) => {
    if (section.id === "notices") void showNotices(api);
    if (section.id === "issue") issue?.forClient(focus.client);
  });

  const opened = async (v: Voucher, said: string) => {
    focus.voucher = v;
    if (focus.client && focus.client.id === v.client?.clientId) void listClientVouchers(api, focus.client, opened).catch(() => undefined);
    showVoucher(v);
    hideRefusal(refusal);
    await showTimeline(api, v);
    status("ok", said);
  };

  issue = startIssue(api, async (v) => {
    show("find");
    await opened(v, `Seteli ${v.voucherNumber} myönnetty.`);
  });

  element<HTMLFormElement>("#lookup").addEventListener("submit", (e) => {
    e.preventDefault();
    const query = element<HTMLInputElement>("#voucher-query").value.trim();
    const request = UUID.test(query) ? { voucherId: query } : { voucherNumber: query };
    status("loading", "Haetaan…");
    element<HTMLElement>("#voucher").hidden = true;
    void (async () => {
      try {
        const { voucher } = await api.vouchers.getVoucher(request, api.opts);
        if (!voucher) throw new ConnectError("the answer had no voucher", Code.Internal);
        await opened(voucher, `Seteli ${voucher.voucherNumber} löytyi.`);
      } catch (err) {
        await showFailure(refusal, err, api.urls.vouchers);
      }
    })();
  });

  element<HTMLFormElement>("#client-search").addEventListener("submit", (e) => {
    e.preventDefault();
    void findClients(api, refusal, async (c) => {
      focus.client = c;
      await showClient(api, refusal, c, opened);
    });
  });

  element<HTMLButtonElement>("#new-decision").addEventListener("click", () => show("issue"));

  element<HTMLFormElement>("#provider-search").addEventListener("submit", (e) => {
    e.preventDefault();
    if (focus.voucher) void searchProviders(api, refusal, focus.voucher, opened);
  });
}

/**
 * Clients whose name holds the words typed. ListClients lists clients by name without a name
 * filter, so the page reads up to 2,000 of the caseload and filters here; identity codes, which
 * the answer carries for the county's staff, are never shown.
 */
async function findClients(api: Api, refusal: HTMLElement, pick: (c: Client) => Promise<void>): Promise<void> {
  const words = element<HTMLInputElement>("#client-query").value.trim().toLocaleLowerCase("fi").split(/\s+/);
  const list = element<HTMLUListElement>("#client-results");
  status("loading", "Haetaan asiakkaita…");
  try {
    const found: Client[] = [];
    let pageToken = "";
    for (let page = 0; page < 4; page++) {
      const r = await api.vouchers.listClients({ pageSize: 500, pageToken }, api.opts);
      const name = (c: Client) => c.name.toLocaleLowerCase("fi");
      found.push(...r.clients.filter((c) => words.every((w) => name(c).includes(w))));
      pageToken = r.nextPageToken;
      if (!pageToken) break;
    }
    list.replaceChildren(
      ...found.map((c) => {
        const b = h("button", { type: "button", "data-client": c.id }, `${c.name}, ${c.homeMunicipality}`);
        b.addEventListener("click", () => void pick(c));
        return h("li", {}, b);
      }),
    );
    list.hidden = false;
    hideRefusal(refusal);
    status("ok", found.length ? `Löytyi ${found.length} asiakasta.` : "Nimellä ei löytynyt asiakasta.");
  } catch (err) {
    await showFailure(refusal, err, api.urls.vouchers);
  }
}

/** A client's card and their vouchers. */
async function showClient(
  api: Api,
  refusal: HTMLElement,
  c: Client,
  opened: (v: Voucher, said: string) => Promise<void>,
): Promise<void> {
  const card = element<HTMLElement>("#client");
  fill(card, { name: c.name, municipality: c.homeMunicipality });
  card.dataset.clientId = c.id;
  card.hidden = false;
  element<HTMLElement>("#voucher").hidden = true;
  status("loading", "Haetaan asiakkaan seteleitä…");
  try {
    await listClientVouchers(api, c, opened);
    hideRefusal(refusal);
    status("ok", `Asiakas ${c.name} avattu.`);
  } catch (err) {
    await showFailure(refusal, err, api.urls.vouchers);
  }
}

/** The client's vouchers, newest first, each opening the voucher. */
async function listClientVouchers(
  api: Api,
  c: Client,
  opened: (v: Voucher, said: string) => Promise<void>,
): Promise<void> {
  const { vouchers } = await api.vouchers.listVouchers({ clientId: c.id, pageSize: 100 }, api.opts);
  const list = element<HTMLUListElement>("#client-vouchers");
  list.replaceChildren(
    ...vouchers.map((v) => {
      const service = v.decision?.serviceType ?? 0;
      const b = h(
        "button",
        { type: "button", "data-voucher": v.id },
        `${v.voucherNumber}: ${SERVICE_NAMES[service]}, ${STATE_NAMES[v.state]}, ` +
          `${date(v.decision?.validFrom)}–${date(v.decision?.validUntil)}`,
      );
      b.addEventListener("click", () => void opened(v, `Seteli ${v.voucherNumber} avattu.`));
      return h("li", {}, b);
    }),
  );
  if (!vouchers.length) list.append(h("li", {}, "Ei seteleitä."));
}

/**
 * The providers offering the voucher's service within the chosen distance of the client's home,
 * nearest first, with their price; choosing one records the client's choice (ChooseProvider).
 */
async function searchProviders(
  api: Api,
  refusal: HTMLElement,
  v: Voucher,
  opened: (v: Voucher, said: string) => Promise<void>,
): Promise<void> {
  const service = v.decision?.serviceType ?? 0;
  const per = countsDays(service) ? "pv" : "h";
  const radiusKm = Number(element<HTMLSelectElement>("#radius").value);
  status("loading", "Haetaan palveluntuottajia…");
  try {
    const { client } = await api.vouchers.getClient({ clientId: v.client?.clientId ?? "" }, api.opts);
    const near = client?.homeCoordinates;
    const { matches } = await api.providers.searchProviders(
      { serviceType: service, near, radiusKm, pageSize: 100 },
      api.opts,
    );
    const table = element<HTMLTableElement>("#providers");
    const body = element<HTMLTableSectionElement>("tbody", table);
    body.replaceChildren(
      ...matches.map((m) => {
        const choose = h(
          "button",
          { type: "button", "data-provider": m.providerId, "aria-label": `Valitse ${m.name}` },
          "Valitse",
        );
        choose.addEventListener("click", () => void record(api, refusal, v, m.providerId, opened));
        const site = m.nearestSite;
        return h(
          "tr",
          { "data-provider": m.providerId },
          h("td", { "data-col": "name" }, m.name),
          h("td", { "data-col": "site" }, site ? `${site.name}, ${site.municipality}` : ""),
          h("td", { "data-col": "distance", class: "num" }, km(m.distanceKm)),
          h("td", { "data-col": "price", class: "num" }, `${euros(m.unitPrice)} / ${per}`),
          h("td", {}, choose),
        );
      }),
    );
    if (!matches.length) {
      body.append(h("tr", {}, h("td", { colspan: 5 }, `Ei palveluntuottajia ${km(radiusKm)} säteellä.`)));
    }
    table.hidden = false;
    hideRefusal(refusal);
    status("ok", `Löytyi ${matches.length} palveluntuottajaa ${km(radiusKm)} säteellä.`);
  } catch (err) {
    await showFailure(refusal, err, api.urls.providers);
  }
}

async function record(
  api: Api,
  refusal: HTMLElement,
  v: Voucher,
  providerId: string,
  opened: (v: Voucher, said: string) => Promise<void>,
): Promise<void> {
  status("loading", "Kirjataan valintaa…");
  try {
    const { voucher } = await api.vouchers.chooseProvider(
      { requestId: rid(), voucherId: v.id, providerId },
      api.opts,
    );
    if (!voucher) throw new ConnectError("the answer had no voucher", Code.Internal);
    await opened(voucher, `Valinta kirjattu setelille ${voucher.voucherNumber}.`);
  } catch (err) {
    await showFailure(refusal, err, api.urls.vouchers);
  }
}
