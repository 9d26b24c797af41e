// Sign-in at the county's identity provider: OpenID Connect's authorization-code flow with PKCE
// (RFC 7636, S256) for a public client, as a browser app must (no client secret, no implicit
// flow). `begin` sends the browser to the authorization endpoint with a fresh verifier's
// challenge, a state and a nonce kept in sessionStorage; `complete`, back on the redirect URI
// with `?code=…&state=…`, checks the state and trades the code and the verifier for tokens at
// the token endpoint. The token stays in the page's memory only.

import type { OidcConfig } from "../config.js";

/** The identity provider's endpoints (its discovery document). */
export interface Endpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

const PENDING = "seteli.oidc.pending";

/** base64url without padding (RFC 4648 §5), as PKCE and JWTs write bytes. */
export function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh code verifier: 32 random bytes, 43 characters. */
export function newVerifier(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of `verifier`: base64url(SHA-256(verifier)). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The redirect URI: configured, or this page's address without query and fragment. */
export function redirectUri(config: OidcConfig, here: string): string {
  if (config.redirectUri) return config.redirectUri;
  const u = new URL(here);
  return `${u.origin}${u.pathname}`;
}

/** The authorization request's address. */
export function authorizationUrl(
  config: OidcConfig,
  endpoints: Endpoints,
  here: string,
  pending: { verifierChallenge: string; state: string; nonce: string },
): string {
  const u = new URL(endpoints.authorization_endpoint);
  u.searchParams.set("response_type", "code");
  u.searchParams.set("client_id", config.clientId);
  u.searchParams.set("redirect_uri", redirectUri(config, here));
  u.searchParams.set("scope", config.scope ?? "openid");
  u.searchParams.set("state", pending.state);
  u.searchParams.set("nonce", pending.nonce);
  u.searchParams.set("code_challenge", pending.verifierChallenge);
  u.searchParams.set("code_challenge_method", "S256");
  return u.toString();
}

/** The token request's form body. */
export function tokenRequestBody(config: OidcConfig, here: string, code: string, verifier: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri(config, here),
    client_id: config.clientId,
    code_verifier: verifier,
  });
}

/** The identity provider's discovery document. */
export async function discover(config: OidcConfig): Promise<Endpoints> {
  const url = `${config.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return (await answer.json()) as Endpoints;
}

/** What `begin` keeps for the return: the verifier, the state, and the page's own query. */
interface Pending {
  verifier?: string;
  state?: string;
  back?: string;
}

function pending(): Pending {
  try {
    return JSON.parse(sessionStorage.getItem(PENDING) ?? "{}") as Pending;
  } catch {
    return {};
  }
}

/**
 * On the return from the identity provider (`?code=…`), the query the page had when it sent the
 * browser there (where the services are, when the address says it); null otherwise.
 */
export function queryBeforeSignIn(): string | null {
  if (!new URLSearchParams(location.search).has("code")) return null;
  return pending().back ?? null;
}

/** Sends the browser to the identity provider. */
export async function begin(config: OidcConfig): Promise<void> {
  const endpoints = await discover(config);
  const verifier = newVerifier();
  const state = newVerifier();
  const nonce = newVerifier();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: location.search }));
  const verifierChallenge = await challengeOf(verifier);
  location.assign(authorizationUrl(config, endpoints, location.href, { verifierChallenge, state, nonce }));
}

/**
 * Back from the identity provider: trades the code for the bearer token, or answers null when
 * this address is not such a return. A state that does not match throws.
 */
export async function complete(config: OidcConfig): Promise<string | null> {
  const query = new URLSearchParams(location.search);
  const code = query.get("code");
  if (!code) return null;
  const kept = pending();
  sessionStorage.removeItem(PENDING);
  // The code is used once: off the address and the history, the page's own query back.
  const here = location.href;
  history.replaceState(null, "", location.pathname + (kept.back ?? ""));
  if (!kept.verifier || kept.state !== query.get("state")) {
    throw new Error("kirjautumisen tila ei täsmää (state)");
  }
  const endpoints = await discover(config);
  const answer = await fetch(endpoints.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: tokenRequestBody(config, here, code, kept.verifier),
  });
  if (!answer.ok) throw new Error(`token: ${answer.status}`);
  const tokens = (await answer.json()) as Record<string, string>;
  const token = tokens[config.bearer ?? "access_token"];
  if (!token) throw new Error(`token: no ${config.bearer ?? "access_token"}`);
  return token;
}
