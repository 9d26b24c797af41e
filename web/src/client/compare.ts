// Comparing providers as a client does: the public comparison anyone may make without signing in
// (the registry's ProviderCatalogueService.CompareProviders, by municipality or postal code) and
// the results as cards readable on a phone: name, site and address, distance, unit price in
// euros, free places (or "ei ilmoitettu") and, for a group service, the largest group. The signed-
// in client's comparison from home (vouchers.ts) shows its options with the same cards.

import type { Api } from "../api.js";
import type { ComparedProvider } from "../gen/seteli/catalogue/v1/catalogue_service_pb.js";
import { ServiceType, type Date as PbDate, type Money } from "../gen/seteli/common/v1/common_pb.js";
import type { ProviderOption } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { date, euros, km } from "../ui/format.js";
import { countsDays, SERVICE_NAMES } from "../ui/names.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";

/** What CompareProviders is asked from what the person typed: a postal code or a municipality. */
export type Place = { postalCode: string } | { municipality: string };

/**
 * The place typed into "Kunta tai postinumero": five digits are a postal code, anything else a
 * municipality's name or three-digit code; null when nothing was typed.
 */
export function placeOf(typed: string): Place | null {
  const text = typed.trim().replace(/\s+/g, " ");
  if (!text) return null;
  if (/^\d{5}$/.test(text)) return { postalCode: text };
  return { municipality: text };
}

/** One provider as a card shows it, every value already in Finnish. */
export interface ProviderCard {
  providerId: string;
  name: string;
  /** The site's (or place of service's) name. */
  site: string;
  /** Street, postal code and municipality. */
  address: string;
  distance: string;
  /** The unit price per hour or per day: `35,50 € / h`. */
  price: string;
  /** `3 (ilmoitettu 1.12.2026)`, or `ei ilmoitettu`. */
  freePlaces: string;
  /** For a group service: `enintään 8 henkilöä`; "" otherwise. */
  groupSize: string;
}

/** The fields a comparison's provider and a voucher's option share. */
interface Compared {
  providerId: string;
  name: string;
  streetAddress: string;
  postalCode: string;
  municipality: string;
  distanceKm: number;
  unitPrice?: Money;
  maxGroupSize: number;
  freePlaces?: number;
  freePlacesOn?: PbDate;
}

/** Free places as a client reads them: the number and the day it was declared, or "ei ilmoitettu". */
export function freePlacesText(free: number | undefined, on: PbDate | undefined): string {
  if (free === undefined) return "ei ilmoitettu";
  const day = date(on);
  return day ? `${free} (ilmoitettu ${day})` : String(free);
}

function card(p: Compared, site: string, service: ServiceType): ProviderCard {
  const per = countsDays(service) ? "pv" : "h";
  const town = [p.postalCode, p.municipality].filter(Boolean).join(" ");
  return {
    providerId: p.providerId,
    name: p.name,
    site,
    address: [p.streetAddress, town].filter(Boolean).join(", "),
    distance: km(p.distanceKm),
    price: `${euros(p.unitPrice)} / ${per}`,
    freePlaces: freePlacesText(p.freePlaces, p.freePlacesOn),
    groupSize: p.maxGroupSize > 0 ? `enintään ${p.maxGroupSize} henkilöä` : "",
  };
}

/** The card of a provider in the public comparison. */
export function comparedCard(p: ComparedProvider, service: ServiceType): ProviderCard {
  return card(p, p.siteName, service);
}

/** The card of a provider a voucher's holder may choose. */
export function optionCard(p: ProviderOption, service: ServiceType): ProviderCard {
  return card(p, p.placeName, service);
}

/** A card's list item (`li[data-provider]`), with `action` (e.g. a choose button) at its end. */
export function cardItem(c: ProviderCard, headingLevel: "h3" | "h4" | "h5", action?: HTMLElement): HTMLLIElement {
  const row = (term: string, col: string, text: string) =>
    text ? [h("dt", {}, term), h("dd", { "data-col": col }, text)] : [];
  return h(
    "li",
    { "data-provider": c.providerId },
    h(headingLevel, { "data-col": "name" }, c.name),
    h(
      "dl",
      {},
      ...row("Toimipiste", "site", c.site),
      ...row("Osoite", "address", c.address),
      ...row("Etäisyys", "distance", c.distance),
      ...row("Yksikköhinta", "price", c.price),
      ...row("Vapaat paikat", "free", c.freePlaces),
      ...row("Ryhmän koko", "group", c.groupSize),
    ),
    action ?? null,
  );
}

/** Fills a `<select>` with the services, `selected` chosen. */
export function serviceOptions(select: HTMLSelectElement, selected = ServiceType.KTT_INDIVIDUAL): void {
  select.replaceChildren(
    ...Object.values(ServiceType)
      .filter((v): v is ServiceType => typeof v === "number" && v !== ServiceType.UNSPECIFIED)
      .map((v) => h("option", { value: v, selected: v === selected }, SERVICE_NAMES[v])),
  );
}

/** Wires the public comparison (`#compare-public`): anyone, no token. */
export function startPublicCompare(api: Api): void {
  const form = element<HTMLFormElement>("#public-compare-form");
  const service = element<HTMLSelectElement>("#public-service");
  serviceOptions(service);
  const refusal = refusalIn(element("#public-compare-refusal-slot"), "public-compare-refusal");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void compare(api, refusal);
  });
}

async function compare(api: Api, refusal: HTMLElement): Promise<void> {
  const serviceType = Number(element<HTMLSelectElement>("#public-service").value) as ServiceType;
  const place = placeOf(element<HTMLInputElement>("#public-place").value);
  const list = element<HTMLUListElement>("#public-results");
  const summary = element<HTMLParagraphElement>("#public-summary");
  if (!place) {
    status("error", "Kirjoita kunta tai postinumero.");
    return;
  }
  list.dataset.state = "loading";
  status("loading", "Haetaan palveluntuottajia…");
  try {
    // No token: the comparison is public (the api was made without one).
    const r = await api.catalogue.compareProviders({ serviceType, pageSize: 50, ...place }, api.opts);
    const cards = r.providers.map((p) => comparedCard(p, serviceType));
    list.replaceChildren(...cards.map((c) => cardItem(c, "h3")));
    const from = r.place?.name ?? ("postalCode" in place ? place.postalCode : place.municipality);
    summary.textContent = cards.length
      ? `${SERVICE_NAMES[serviceType]}: ${cards.length} palveluntuottajaa lähellä paikkaa ${from}, lähin ensin.`
      : `${SERVICE_NAMES[serviceType]}: ei palveluntuottajia lähellä paikkaa ${from}.`;
    summary.hidden = false;
    list.hidden = false;
    list.dataset.state = "ok";
    hideRefusal(refusal);
    status("ok", `Löytyi ${cards.length} palveluntuottajaa.`);
  } catch (err) {
    list.dataset.state = "error";
    list.hidden = true;
    summary.hidden = true;
    await showFailure(refusal, err, api.urls.providers);
  }
}
