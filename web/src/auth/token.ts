// What the page reads from a bearer token: only its claims, to choose the portal. The page never
// trusts them: the services verify every call's token and decide what it may see.

/** The claims a portal uses. */
export interface Claims {
  role: string;
  provider?: string;
  subject: string;
}

/** The claims of a JWT (its payload, base64url JSON), or null when it is not one. */
export function claims(token: string, roleClaim = "role"): Claims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const body = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const role = body[roleClaim];
    return {
      role: typeof role === "string" ? role : "",
      provider: typeof body.provider_id === "string" ? body.provider_id : undefined,
      subject: typeof body.sub === "string" ? body.sub : "",
    };
  } catch {
    return null;
  }
}

/** The dev token from the address's fragment (`#token=…`), taken off the address at once. */
export function tokenFromFragment(): string {
  const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token") ?? "";
  if (token) history.replaceState(null, "", location.pathname + location.search);
  return token;
}
