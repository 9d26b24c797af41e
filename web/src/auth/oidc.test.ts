// Unit tests of the OIDC sign-in's pure parts (node --test, run by build.sh): PKCE's S256
// challenge against RFC 7636's own example, and the authorization and token requests' fields.

import assert from "node:assert/strict";
import { test } from "node:test";

import { authorizationUrl, base64url, challengeOf, newVerifier, redirectUri, tokenRequestBody } from "./oidc.js";

const config = { issuer: "https://tunnistus.example.fi", clientId: "seteli-portaali" };
const endpoints = {
  authorization_endpoint: "https://tunnistus.example.fi/authorize",
  token_endpoint: "https://tunnistus.example.fi/token",
};

test("the S256 challenge of RFC 7636 appendix B's verifier is the RFC's", async () => {
  assert.equal(
    await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
});

test("a verifier is 43 base64url characters, fresh each time", () => {
  const a = newVerifier();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, newVerifier());
  assert.equal(base64url(new Uint8Array([251, 255])), "-_8");
});

test("the authorization request asks for a code with an S256 challenge, state and nonce", () => {
  const url = new URL(
    authorizationUrl(config, endpoints, "https://portaali.example.fi/index.html?x=1#y", {
      verifierChallenge: "CH",
      state: "ST",
      nonce: "NO",
    }),
  );
  assert.equal(url.origin + url.pathname, endpoints.authorization_endpoint);
  const q = url.searchParams;
  assert.equal(q.get("response_type"), "code");
  assert.equal(q.get("client_id"), "seteli-portaali");
  assert.equal(q.get("redirect_uri"), "https://portaali.example.fi/index.html");
  assert.equal(q.get("scope"), "openid");
  assert.equal(q.get("code_challenge"), "CH");
  assert.equal(q.get("code_challenge_method"), "S256");
  assert.equal(q.get("state"), "ST");
  assert.equal(q.get("nonce"), "NO");
});

test("the token request trades the code with the verifier and the same redirect URI", () => {
  const configured = { ...config, redirectUri: "https://portaali.example.fi/" };
  assert.equal(redirectUri(configured, "https://elsewhere.example.fi/a?b"), "https://portaali.example.fi/");
  const body = tokenRequestBody(configured, "https://x.example.fi/", "CODE", "VERIFIER");
  assert.equal(
    body.toString(),
    "grant_type=authorization_code&code=CODE&redirect_uri=https%3A%2F%2Fportaali.example.fi%2F" +
      "&client_id=seteli-portaali&code_verifier=VERIFIER",
  );
});
