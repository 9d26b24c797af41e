// Seteli's portals in the browser. The page reads where the services are (config.ts), signs the
// user in (auth/), and opens the portal of the user's role: a social worker's (social/: find a
// voucher or a client, the voucher's timeline, the choice of provider, the notices inbox, a new
// decision checked live), a provider's staff's (provider/: the week grid, a group session,
// reports due) or a voucher holder's (client/: their vouchers, the choice of provider, sessions,
// reports, feedback). The public comparison of providers (`#/vertailu`) needs no sign-in: it is
// a route of its own over whatever else the page shows. No framework: a few views of forms and tables, the DOM and the generated
// contract types are enough, and the bundle stays small.

import { connect } from "./api.js";
import { claims } from "./auth/token.js";
import { signIn } from "./auth/signin.js";
import { startClient } from "./client/portal.js";
import { startPublicCompare } from "./client/compare.js";
import { loadConfig } from "./config.js";
import { startProvider } from "./provider/portal.js";
import { startSocial } from "./social/portal.js";
import { element, fill, status } from "./ui/dom.js";
import { ROLE_NAMES } from "./ui/names.js";

/** The public comparison's route: `#/vertailu`. */
const PUBLIC_COMPARE = "#/vertailu";

/** Shows the public comparison while the address says `#/vertailu`, the rest of the page otherwise. */
function route(): void {
  const compare = location.hash.startsWith(PUBLIC_COMPARE);
  document.body.dataset.route = compare ? "vertailu" : "";
  if (compare) document.title = "Vertaile palveluntuottajia — Seteli";
}

async function main(): Promise<void> {
  const config = await loadConfig();
  element("#api").textContent = config.services.vouchers || "(osoite puuttuu: ?api=… tai config.json)";
  // The comparison calls the registry without a token, whoever is (or is not) signed in.
  startPublicCompare(connect(config, ""));
  route();
  window.addEventListener("hashchange", route);
  const token = await signIn(config);
  const who = claims(token, config.roleClaim);
  const role = who?.role ?? "";
  const header = element<HTMLElement>("#who");
  fill(header, { role: ROLE_NAMES[role] ?? (role || "Tuntematon rooli") });
  header.hidden = false;
  element<HTMLButtonElement>("#sign-out").addEventListener("click", () => {
    // The token lives in this page's memory only: a fresh page is signed out.
    location.replace(location.pathname + location.search);
  });
  const api = connect(config, token);
  if (role === "client") {
    element("#portal-title").textContent = "Palveluseteli — asiakkaan sivut";
    document.title = "Asiakas — Seteli";
    await startClient(api);
  } else if (role === "provider_user") {
    element("#portal-title").textContent = "Palveluntuottajan työpöytä";
    document.title = "Palveluntuottaja — Seteli";
    await startProvider(api);
  } else {
    // The county's roles (and a token the page cannot read: the services will say no).
    element("#portal-title").textContent = "Palvelusetelit — sosiaalityö";
    document.title = "Sosiaalityö — Seteli";
    startSocial(api);
  }
  status("idle", "Valmis.");
  document.body.dataset.ready = "true";
}

void main();
