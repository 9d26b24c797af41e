// The sign-in view: the county's identity provider when config.json names one (OIDC
// authorization code with PKCE), and the dev token flow of `make run` (a token from
// `make token ROLE=…`, in the address's fragment or pasted here). Answers the bearer token.

import type { Config } from "../config.js";
import { element, status } from "../ui/dom.js";
import { begin, complete } from "./oidc.js";
import { tokenFromFragment } from "./token.js";

/** The token to call with: from the fragment, back from the identity provider, or typed in. */
export async function signIn(config: Config): Promise<string> {
  const fromFragment = tokenFromFragment();
  if (fromFragment) return fromFragment;
  if (config.oidc) {
    try {
      const back = await complete(config.oidc);
      if (back) return back;
    } catch (e) {
      status("error", `Kirjautuminen epäonnistui: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const view = element<HTMLElement>("#sign-in");
  view.hidden = false;
  if (config.oidc) {
    const oidc = config.oidc;
    element<HTMLElement>("#oidc-box").hidden = false;
    element<HTMLButtonElement>("#oidc-button").addEventListener("click", () => {
      status("loading", "Siirrytään tunnistautumaan…");
      void begin(oidc).catch((e: unknown) =>
        status("error", `Tunnistuspalveluun ei saatu yhteyttä: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
  }
  status("idle", "Kirjaudu sisään.");
  document.body.dataset.ready = "true";
  return new Promise((resolve) => {
    element<HTMLFormElement>("#dev-token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const token = element<HTMLTextAreaElement>("#dev-token").value.trim();
      if (!token) return;
      view.hidden = true;
      document.body.dataset.ready = "false";
      resolve(token);
    });
  });
}
