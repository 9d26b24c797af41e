// How a refusal is shown, wherever it happens: the service's gRPC code and what it means in
// Finnish, every broken rule's RULES.md id with its rulebook section
// (google.rpc.PreconditionFailure: `type` and `subject`), the rulebook's Finnish message
// (google.rpc.LocalizedMessage, fi-FI), the fields a malformed request got wrong
// (google.rpc.BadRequest), and the service's own English message and request id under a
// disclosure marked as technical. When no answer came at all, why: the service is down, or the
// browser withheld its answer (CORS).

import { Code, ConnectError } from "@connectrpc/connect";

import {
  BadRequestSchema,
  LocalizedMessageSchema,
  PreconditionFailureSchema,
  RequestInfoSchema,
} from "../gen/google/rpc/error_details_pb.js";
import { field, h, status } from "./dom.js";

/** gRPC's canonical code names, by number (connect's `Code` enum names are camel case). */
const CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** What each gRPC code means, in Finnish, for the refusal's one-line summary. */
const CODE_SUMMARIES: Record<number, string> = {
  [Code.Canceled]: "Pyyntö peruttiin.",
  [Code.Unknown]: "Palvelu vastasi tuntemattomalla virheellä.",
  [Code.InvalidArgument]: "Pyynnössä on virheellinen tai puuttuva tieto.",
  [Code.DeadlineExceeded]: "Palvelu ei vastannut ajoissa.",
  [Code.NotFound]: "Haettua ei löytynyt, tai sinulla ei ole oikeutta nähdä sitä.",
  [Code.AlreadyExists]: "Sama tieto on jo olemassa.",
  [Code.PermissionDenied]: "Sinulla ei ole oikeutta tähän toimintoon.",
  [Code.ResourceExhausted]: "Palvelu on ruuhkautunut; yritä hetken kuluttua uudelleen.",
  [Code.FailedPrecondition]: "Säännöt eivät salli tätä.",
  [Code.Aborted]: "Tieto muuttui samaan aikaan; yritä uudelleen.",
  [Code.OutOfRange]: "Arvo on sallitun alueen ulkopuolella.",
  [Code.Unimplemented]: "Palvelu ei tue tätä toimintoa.",
  [Code.Internal]: "Palvelussa tapahtui sisäinen virhe.",
  [Code.Unavailable]: "Palvelu ei ole juuri nyt käytettävissä.",
  [Code.DataLoss]: "Tietoja on kadonnut.",
  [Code.Unauthenticated]: "Kirjautuminen puuttuu tai on vanhentunut.",
};

/** The name of a gRPC code, e.g. `FAILED_PRECONDITION`. */
export function codeName(code: Code): string {
  return CODE_NAMES[code] ?? String(code);
}

/** A hidden refusal box with id `id` (its heading `<id>-title`), empty until [`showFailure`]. */
export function refusalBox(id: string): HTMLElement {
  return h(
    "section",
    { id, class: "refusal", hidden: true, "aria-labelledby": `${id}-title`, role: "alert" },
    h("h4", { id: `${id}-title` }, "Palvelu ei hyväksynyt pyyntöä"),
    h("p", {}, "Koodi: ", h("code", { "data-field": "code" })),
    h("p", { "data-field": "summary" }),
    h("ul", { "data-field": "rules", "aria-label": "Rikotut säännöt" }),
    h("p", { "data-field": "finnish", class: "finnish" }),
    h(
      "details",
      { class: "technical" },
      h("summary", {}, "Palvelun tekninen viesti (englanniksi)"),
      h("p", { lang: "en", "data-field": "message" }),
      h("p", { class: "request" }, "Pyynnön tunniste: ", h("code", { "data-field": "request-id" })),
    ),
  );
}

/** Puts a refusal box into the element `slot` (once) and answers it. */
export function refusalIn(slot: HTMLElement, id: string): HTMLElement {
  const existing = slot.querySelector<HTMLElement>(`#${id}`);
  if (existing) return existing;
  const box = refusalBox(id);
  slot.append(box);
  return box;
}

/** Hides a refusal box. */
export function hideRefusal(box: HTMLElement): void {
  box.hidden = true;
}

/**
 * Why a call got no answer at all (fetch() itself failed, so there is no gRPC status): the
 * service did not answer (not running, wrong address), or it answered and the browser withheld
 * the answer because this page's origin is not among the service's SETELI_CORS_ALLOWED_ORIGINS.
 * A browser does not tell a script which; a `no-cors` request, whose answer the page may not read
 * but which succeeds whenever the server answers, does.
 */
async function whyNoAnswer(api: string): Promise<"cors" | "connection"> {
  try {
    await fetch(api, { mode: "no-cors", cache: "no-store" });
    return "cors";
  } catch {
    return "connection";
  }
}

/** Shows in `box` why a call to the service at `api` failed: its refusal, or why no answer came. */
export async function showFailure(box: HTMLElement, e: unknown, api: string): Promise<void> {
  const err = ConnectError.from(e);
  const title = field(box, "code").closest("section")?.querySelector("h4");
  if (!(err.cause instanceof TypeError)) {
    if (title) title.textContent = "Palvelu ei hyväksynyt pyyntöä";
    box.dataset.kind = "refusal";
    showRefusal(box, err);
    return;
  }
  const kind = await whyNoAnswer(api);
  if (title) {
    title.textContent =
      kind === "cors" ? "Selain esti vastauksen (CORS)" : "Palveluun ei saatu yhteyttä";
  }
  box.dataset.kind = kind;
  showRefusal(box, err);
  field(box, "summary").textContent =
    kind === "cors"
      ? `Palvelu ${api} vastasi, mutta tämän sivun alkuperä ${location.origin} ei ole sen ` +
        "sallimissa (SETELI_CORS_ALLOWED_ORIGINS), joten selain ei antanut vastausta sivulle."
      : `Palvelu ${api} ei vastannut: se ei ole käynnissä tai osoite on väärä.`;
  status("error", kind === "cors" ? "Selain esti vastauksen (CORS)." : "Ei yhteyttä palveluun.");
}

/** The rule ids a refusal names, in order (what a live check shows before sending). */
export function ruleIds(e: unknown): string[] {
  const err = ConnectError.from(e);
  return err.findDetails(PreconditionFailureSchema).flatMap((f) => f.violations.map((v) => v.type));
}

/** Shows a refusal: its code, the rule ids with their sections, and the Finnish message. */
function showRefusal(box: HTMLElement, err: ConnectError): void {
  field(box, "code").textContent = codeName(err.code);
  field(box, "summary").textContent = CODE_SUMMARIES[err.code] ?? "";
  field(box, "message").textContent = err.rawMessage;
  const finnish = err
    .findDetails(LocalizedMessageSchema)
    .filter((m) => m.locale.toLowerCase().startsWith("fi"))
    .map((m) => m.message)
    .join("\n");
  // The localized message holds one line per broken rule, `RULE (section): …`: each rule's
  // line goes beside its id; what names no rule stays below the list.
  const byRule = new Map<string, string>();
  const rest: string[] = [];
  for (const line of finnish.split("\n").filter((l) => l.trim())) {
    const m = /^([A-Z][A-Z0-9-]*) \([^)]*\): (.*)$/s.exec(line);
    if (m?.[1] && m[2] && !byRule.has(m[1])) byRule.set(m[1], m[2]);
    else rest.push(line);
  }
  const rules = field(box, "rules");
  rules.replaceChildren();
  for (const failure of err.findDetails(PreconditionFailureSchema)) {
    for (const v of failure.violations) {
      // The rule id, its rulebook section and its Finnish message; the English and Finnish
      // description (the violation's own) a hover away.
      const li = h("li", { "data-rule": v.type, title: v.description });
      li.append(h("strong", {}, v.type), v.subject ? ` (${v.subject})` : "");
      const text = byRule.get(v.type);
      if (text) {
        li.append(": ", h("span", { "data-rule-text": v.type }, text));
        byRule.delete(v.type);
      }
      rules.append(li);
    }
  }
  rest.push(...[...byRule].map(([rule, text]) => `${rule}: ${text}`));
  for (const bad of err.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) {
      rules.append(h("li", { "data-field-name": v.field, lang: "en" }, `${v.field}: ${v.description}`));
    }
  }
  field(box, "finnish").textContent = rest.join("\n");
  field(box, "request-id").textContent = err.findDetails(RequestInfoSchema)[0]?.requestId ?? "";
  box.dataset.code = codeName(err.code);
  box.hidden = false;
  status("error", `Palvelu vastasi: ${codeName(err.code)}`);
}
