//! A stand-in for the county's identity provider, for the portals' OpenID Connect sign-in:
//! just enough of the authorization-code flow with PKCE (RFC 7636, S256) for a public client,
//! on 127.0.0.1, port 0. Its discovery document names its endpoints; `/authorize` takes a code
//! request (`response_type=code`, the client id, an S256 challenge) and sends the browser back
//! to the redirect URI with a one-time code and the state; `/token` trades that code for the
//! token it was given only when the code verifier hashes to the challenge and the redirect URI
//! and client id are the same. What it checked is kept for the test to read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The stand-in identity provider, serving until the test ends.
pub struct IdentityProvider {
    /// Its origin and issuer, e.g. `http://127.0.0.1:4711`.
    pub origin: String,
    /// What it saw and checked, in order: `authorize S256 <client id>`, `token issued`, or
    /// `token refused: <why>`.
    pub seen: Arc<Mutex<Vec<String>>>,
    /// The access token `/token` answers (set once the services' keys are known).
    pub token: Arc<Mutex<String>>,
}

/// The authorization request waiting for its code to be traded.
#[derive(Clone, Default)]
struct Pending {
    challenge: String,
    redirect_uri: String,
    client_id: String,
    code: String,
}

fn query(text: &str) -> HashMap<String, String> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn answer(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\n{headers}Access-Control-Allow-Origin: *\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The token request checked against the pending authorization: the token, or why not.
fn trade(pending: &Pending, form: &HashMap<String, String>) -> Result<(), String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return Err(format!("grant_type {}", field("grant_type")));
    }
    if pending.code.is_empty() || field("code") != pending.code {
        return Err("unknown code".into());
    }
    if field("redirect_uri") != pending.redirect_uri || field("client_id") != pending.client_id {
        return Err("another redirect URI or client".into());
    }
    let hashed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
    if hashed != pending.challenge {
        return Err("the verifier does not hash to the challenge".into());
    }
    Ok(())
}

/// Starts the stand-in; `/token` answers what its `token` holds as the access token.
pub async fn serve_identity_provider() -> IdentityProvider {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the identity provider");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let pending = Arc::new(Mutex::new(Pending::default()));
    let token = Arc::new(Mutex::new(String::new()));
    let (issuer, log, given) = (origin.clone(), seen.clone(), token.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (issuer, log, pending, token) =
                (issuer.clone(), log.clone(), pending.clone(), given.clone());
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                let mut buf = [0u8; 4096];
                let body_at = loop {
                    if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
                    }
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => bytes.extend_from_slice(&buf[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&bytes[..body_at]).into_owned();
                let length: usize = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
                while bytes.len() < body_at + length {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => bytes.extend_from_slice(&buf[..n]),
                    }
                }
                let body = String::from_utf8_lossy(&bytes[body_at..]).into_owned();
                let mut words = head.split_whitespace();
                let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                let (path, q) = target.split_once('?').unwrap_or((target, ""));
                let reply = match (method, path) {
                    ("GET", "/.well-known/openid-configuration") => answer(
                        "200 OK",
                        "Content-Type: application/json\r\n",
                        &serde_json::json!({
                            "issuer": issuer,
                            "authorization_endpoint": format!("{issuer}/authorize"),
                            "token_endpoint": format!("{issuer}/token"),
                        })
                        .to_string(),
                    ),
                    ("GET", "/authorize") => {
                        let q = query(q);
                        let get = |k: &str| q.get(k).cloned().unwrap_or_default();
                        if get("response_type") != "code"
                            || get("code_challenge_method") != "S256"
                            || get("code_challenge").len() != 43
                        {
                            answer("400 Bad Request", "", "not a code request with S256")
                        } else {
                            let code = uuid::Uuid::new_v4().to_string();
                            *pending.lock().expect("pending") = Pending {
                                challenge: get("code_challenge"),
                                redirect_uri: get("redirect_uri"),
                                client_id: get("client_id"),
                                code: code.clone(),
                            };
                            log.lock()
                                .expect("log")
                                .push(format!("authorize S256 {}", get("client_id")));
                            let back = form_urlencoded::Serializer::new(String::new())
                                .append_pair("code", &code)
                                .append_pair("state", &get("state"))
                                .finish();
                            let location = format!("Location: {}?{back}\r\n", get("redirect_uri"));
                            answer("302 Found", &location, "")
                        }
                    }
                    ("POST", "/token") => {
                        // A code is traded once.
                        let was = std::mem::take(&mut *pending.lock().expect("pending"));
                        match trade(&was, &query(&body)) {
                            Ok(()) => {
                                log.lock().expect("log").push("token issued".into());
                                answer(
                                    "200 OK",
                                    "Content-Type: application/json\r\n",
                                    &serde_json::json!({
                                        "access_token": *token.lock().expect("token"),
                                        "token_type": "Bearer"
                                    })
                                    .to_string(),
                                )
                            }
                            Err(why) => {
                                log.lock()
                                    .expect("log")
                                    .push(format!("token refused: {why}"));
                                answer("400 Bad Request", "", "{\"error\":\"invalid_grant\"}")
                            }
                        }
                    }
                    _ => answer("404 Not Found", "", ""),
                };
                let _ = socket.write_all(&reply).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    IdentityProvider {
        origin,
        seen,
        token,
    }
}
