// Where the portals call and how users sign in: `config.json` beside index.html (a deployment
// writes it), overridden by the address's query (`?vouchers=…&providers=…&attendance=…&
// reporting=…&billing=…`; `api` is the vouchers service's older name, and with only `api` given
// every service is looked for at that address). See web/README.md.

import { queryBeforeSignIn } from "./auth/oidc.js";

/** The five services, by the name the query and config.json use. */
export const SERVICES = ["vouchers", "providers", "attendance", "reporting", "billing"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The county's identity provider (OIDC authorization code with PKCE). */
export interface OidcConfig {
  /** The issuer; its `/.well-known/openid-configuration` names the endpoints. */
  issuer: string;
  /** This portal's client id at the identity provider (a public client: no secret). */
  clientId: string;
  /** Where the identity provider sends the browser back; default: this page's address. */
  redirectUri?: string;
  /** Scopes; default `openid`. */
  scope?: string;
  /** Which token the services take: `access_token` (default) or `id_token`. */
  bearer?: "access_token" | "id_token";
}

/** The portal's configuration. */
export interface Config {
  services: Record<ServiceName, string>;
  oidc?: OidcConfig;
  /** The claim naming the role (the services' SETELI_JWT_ROLE_CLAIM); default `role`. */
  roleClaim: string;
}

/** Reads config.json (when the server has one) and the address's query. */
export async function loadConfig(): Promise<Config> {
  let file: Partial<Config> & { services?: Partial<Record<ServiceName, string>> } = {};
  try {
    const answer = await fetch("config.json", { cache: "no-store" });
    if (answer.ok) file = (await answer.json()) as typeof file;
  } catch {
    // No config.json: the query says it all.
  }
  // Back from the identity provider the address holds the code: the page's own query was kept.
  const query = new URLSearchParams(queryBeforeSignIn() ?? location.search);
  const api = query.get("api") ?? "";
  const services = {} as Record<ServiceName, string>;
  for (const name of SERVICES) {
    const url = query.get(name) ?? file.services?.[name] ?? (api || "");
    services[name] = url.replace(/\/+$/, "");
  }
  if (api) services.vouchers = api.replace(/\/+$/, "");
  return { services, oidc: file.oidc, roleClaim: file.roleClaim ?? "role" };
}
