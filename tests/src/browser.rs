//! The browser portals under test: their build served from a port of its own, the services
//! started allowing that origin, and headless Chromium driven over the DevTools protocol
//! (typing, clicking, pressing keys, reading what the page shows, at a phone's width), with
//! axe-core's accessibility check put into the page.

/// The browser portal's build (`make web`: web/build.sh), served by [`serve_static`].
pub fn web_dist() -> std::path::PathBuf {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
    assert!(
        dist.join("index.html").is_file() && dist.join("app.js").is_file(),
        "the browser portal is not built ({} has no index.html and app.js): run `make web` \
         (web/build.sh); `make test-sqlite` and `make test-postgres` build it first",
        dist.display()
    );
    dist
}

/// Serves the files of `dir` (read once, now) over HTTP/1.1 on 127.0.0.1, port 0, until the
/// test ends: `GET /` is `index.html`, a query string is ignored, anything else is 404. Just
/// enough for a browser to load a built page; answers its origin, e.g. `http://127.0.0.1:4711`.
pub async fn serve_static(dir: &std::path::Path) -> String {
    use std::collections::HashMap;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut files: HashMap<String, (Vec<u8>, &'static str)> = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("read the portal's directory") {
        let path = entry.expect("directory entry").path();
        if !path.is_file() {
            continue;
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("map" | "json") => "application/json",
            _ => "application/octet-stream",
        };
        files.insert(
            format!("/{name}"),
            (std::fs::read(&path).expect("read"), kind),
        );
    }
    let files = std::sync::Arc::new(files);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the static server");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let files = files.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let mut words = head.split_whitespace();
                let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                let path = match target.split(['?', '#']).next().unwrap_or("") {
                    "/" => "/index.html",
                    p => p,
                };
                let answer = match files.get(path).filter(|_| method == "GET") {
                    Some((body, kind)) => [
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
                             Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes(),
                        body.clone(),
                    ]
                    .concat(),
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    origin
}

/// A day as the portals write it (Intl, fi-FI): `7.12.2026`.
pub fn fi_date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}.{}.{}", day.day(), day.month(), day.year())
}

/// A month as the portals write it (Intl, fi-FI, month and year): `marraskuu 2026`.
pub fn fi_month(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let stems = "tammi helmi maalis huhti touko kesä heinä elo syys loka marras joulu";
    let stem = stems
        .split(' ')
        .nth(day.month0() as usize)
        .expect("12 months");
    format!("{stem}kuu {}", day.year())
}

/// Text with the no-break spaces Intl's fi-FI puts in numbers and before units made plain:
/// `1 400,00 €`.
pub fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

/// Serves the portal's build with `config.json` beside it (what a deployment writes: where the
/// services are, the identity provider); answers its origin.
pub async fn serve_with_config(config: &serde_json::Value) -> String {
    let dir = tempfile::tempdir().expect("a directory for the portal");
    for entry in std::fs::read_dir(web_dist()).expect("read web/dist") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    std::fs::write(dir.path().join("config.json"), config.to_string()).expect("config.json");
    // The files are read once, now: the directory may go.
    serve_static(dir.path()).await
}

/// The page is ready: its script has run, signed in and wired the forms.
pub const READY: &str = "document.body.dataset.ready === 'true'";
/// The page's last call has been answered, one way or the other (its status line says so).
pub const ANSWERED: &str =
    "['ok', 'error'].includes(document.querySelector('#status').dataset.state)";

/// The services a day in the portals calls: the registry, vouchers, attendance and reporting.
pub const DAY_SERVICES: [crate::kit::Svc; 4] = [
    crate::kit::Svc::Providers,
    crate::kit::Svc::Vouchers,
    crate::kit::Svc::Attendance,
    crate::kit::Svc::Reporting,
];

/// The portal served from its own origin, and `services` started with that origin allowed
/// (CORS) and `prices` set: answers the environment and the portal's origin.
pub async fn portal_env(
    services: &[crate::kit::Svc],
    prices: crate::kit::Prices,
) -> (crate::kit::Env, String) {
    let origin = serve_static(&web_dist()).await;
    let allowed = origin.clone();
    let env = crate::kit::Env::builder()
        .services(services)
        .prices(prices)
        .tweak(move |_, c| c.cors_allowed_origins = vec![allowed.clone()])
        .start()
        .await;
    (env, origin)
}

/// The portal's address at `origin` calling every service of `env` (each at its own address,
/// started or not) with `token` in the fragment, as `make portal` prints it.
pub fn portal_url(env: &crate::kit::Env, origin: &str, token: &str) -> String {
    use crate::kit::Svc;
    let services = [
        ("vouchers", Svc::Vouchers),
        ("providers", Svc::Providers),
        ("attendance", Svc::Attendance),
        ("reporting", Svc::Reporting),
        ("billing", Svc::Billing),
    ];
    let query: Vec<String> = services
        .iter()
        .map(|(name, svc)| format!("{name}={}", env.url(*svc)))
        .collect();
    format!("{origin}/index.html?{}#token={token}", query.join("&"))
}

/// Headless Chromium (Debian's `chromium`, or `SETELI_CHROMIUM`) driven over the DevTools
/// protocol on a pipe (`--remote-debugging-pipe`: commands on its fd 3, answers on fd 4), with
/// one page. No WebDriver and no extra crate: JSON messages separated by NUL bytes. The browser
/// is killed when this is dropped.
pub struct Browser {
    child: tokio::process::Child,
    commands: tokio::process::ChildStdin,
    answers: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    next_id: u64,
    session: String,
    /// What the page logged and threw, for failure messages.
    log: Vec<String>,
    profile: tempfile::TempDir,
}

/// How long one DevTools command, or one wait for the page, may take.
const BROWSER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

impl Browser {
    /// Starts Chromium headless with a fresh profile and opens one blank page. Fails with how to
    /// install it when it is missing.
    pub async fn launch() -> Browser {
        use tokio::io::{AsyncBufReadExt, BufReader};

        let chromium = std::env::var("SETELI_CHROMIUM")
            .ok()
            .filter(|c| !c.is_empty())
            .or_else(|| {
                let path = std::env::var_os("PATH").unwrap_or_default();
                ["chromium", "chromium-browser"]
                    .into_iter()
                    .find_map(|name| {
                        std::env::split_paths(&path)
                            .map(|dir| dir.join(name))
                            .find(|p| p.is_file())
                            .map(|p| p.display().to_string())
                    })
            })
            .unwrap_or_else(|| {
                panic!(
                    "headless Chromium is needed for the browser tests and is not installed: \
                     `apt-get install --no-install-recommends chromium` (.ci/run does), or set \
                     SETELI_CHROMIUM to a Chromium binary"
                )
            });
        let profile = tempfile::tempdir().expect("profile directory");
        let stderr = std::fs::File::create(profile.path().join("stderr.log")).expect("log file");
        // The shell hands Chromium this process's pipes as its fd 3 (commands) and fd 4
        // (answers), which std::process cannot do without unsafe code.
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--no-proxy-server",
                "--window-size=1280,1024",
                // The browser's language Finnish, as the county's staff have it (headless
                // Chromium still draws its date and time fields in its own US format).
                "--lang=fi-FI",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromium}: {e}"));
        let commands = child.stdin.take().expect("stdin");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, answers) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut message = Vec::new();
            loop {
                message.clear();
                match out.read_until(0, &mut message).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if message.last() == Some(&0) {
                            message.pop();
                        }
                        if let Ok(v) = serde_json::from_slice(&message)
                            && tx.send(v).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            commands,
            answers,
            next_id: 0,
            session: String::new(),
            log: Vec::new(),
            profile,
        };
        let target = browser
            .send(
                "Target.createTarget",
                serde_json::json!({ "url": "about:blank" }),
            )
            .await;
        let target_id = target["targetId"].as_str().expect("targetId").to_owned();
        let attached = browser
            .send(
                "Target.attachToTarget",
                serde_json::json!({ "targetId": target_id, "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned();
        browser.send("Runtime.enable", serde_json::json!({})).await;
        browser.send("Log.enable", serde_json::json!({})).await;
        browser
    }

    /// Sends a DevTools command (to the page once one is attached) and returns its result;
    /// panics on an error answer or after [`BROWSER_PATIENCE`].
    pub async fn send(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        match self.try_send(method, params).await {
            Ok(result) => result,
            Err(error) => panic!("{method} failed: {error}"),
        }
    }

    /// [`Browser::send`], answering an error answer (e.g. while the page navigates away: its
    /// context is gone) instead of panicking.
    pub async fn try_send(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        use tokio::io::AsyncWriteExt;

        self.next_id += 1;
        let id = self.next_id;
        let mut command = serde_json::json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            command["sessionId"] = self.session.clone().into();
        }
        let mut bytes = serde_json::to_vec(&command).expect("json");
        bytes.push(0);
        if let Err(e) = self.commands.write_all(&bytes).await {
            panic!("Chromium is not listening ({e}){}", self.stderr_tail());
        }
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        loop {
            let message = match tokio::time::timeout_at(deadline, self.answers.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) => panic!(
                    "Chromium closed its pipe during {method}{}",
                    self.stderr_tail()
                ),
                Err(_) => panic!("Chromium did not answer {method} in {BROWSER_PATIENCE:?}"),
            };
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(error.clone());
                }
                return Ok(message["result"].clone());
            }
            self.note(&message);
        }
    }

    /// Keeps what the page said in its console or threw.
    fn note(&mut self, event: &serde_json::Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.consoleAPICalled") => {
                let args: Vec<String> = params["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        a["value"]
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| a["description"].to_string())
                    })
                    .collect();
                self.log
                    .push(format!("console.{}: {}", params["type"], args.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                let details = &params["exceptionDetails"];
                self.log.push(format!(
                    "exception: {} {}",
                    details["text"], details["exception"]["description"]
                ));
            }
            Some("Log.entryAdded") => {
                let entry = &params["entry"];
                self.log.push(format!(
                    "{} {}: {} {}",
                    entry["source"], entry["level"], entry["text"], entry["url"]
                ));
            }
            _ => {}
        }
    }

    fn stderr_tail(&self) -> String {
        let text =
            std::fs::read_to_string(self.profile.path().join("stderr.log")).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("; its last words:\n{}", tail.join("\n"))
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON.
    pub async fn eval(&mut self, expression: &str) -> serde_json::Value {
        let result = self
            .send(
                "Runtime.evaluate",
                serde_json::json!({
                    "expression": expression,
                    "returnByValue": true,
                    "awaitPromise": true,
                }),
            )
            .await;
        if let Some(e) = result.get("exceptionDetails") {
            panic!("`{expression}` threw in the page: {e}");
        }
        result["result"]["value"].clone()
    }

    /// Opens `url` in the page and waits until `ready` (a JavaScript condition) holds.
    pub async fn open(&mut self, url: &str, ready: &str) {
        self.send("Page.navigate", serde_json::json!({ "url": url }))
            .await;
        self.wait_for(&format!("{url} to load"), ready).await;
    }

    /// Polls the JavaScript condition `condition` until it holds, at most [`BROWSER_PATIENCE`];
    /// panics with the page's text and log otherwise (never a bare sleep as readiness).
    pub async fn wait_for(&mut self, what: &str, condition: &str) {
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        let probe = format!(
            "(() => {{ try {{ return Boolean({condition}); }} catch (e) {{ return false; }} }})()"
        );
        loop {
            if self.eval(&probe).await == serde_json::Value::Bool(true) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let text = self
                    .eval("document.body ? document.body.innerText : document.documentElement.outerHTML")
                    .await;
                panic!(
                    "waited {BROWSER_PATIENCE:?} for {what} (`{condition}`); the page shows:\n{}\n\
                     its log:\n{}",
                    text.as_str().unwrap_or_default(),
                    self.log.join("\n")
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits, across navigations (the page leaving for another address and coming back), until
    /// the JavaScript condition holds in whatever page is loaded; at most [`BROWSER_PATIENCE`].
    pub async fn wait_across_navigations(&mut self, what: &str, condition: &str) {
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        let probe = serde_json::json!({
            "expression": format!("(() => {{ try {{ return Boolean({condition}); }} catch (e) {{ return false; }} }})()"),
            "returnByValue": true,
        });
        loop {
            let held = self.try_send("Runtime.evaluate", probe.clone()).await;
            if held.is_ok_and(|r| r["result"]["value"] == serde_json::Value::Bool(true)) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {BROWSER_PATIENCE:?} for {what} (`{condition}`); its log:\n{}",
                self.log.join("\n")
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Types `text` into the field `selector` as a person would (focus, then text input).
    pub async fn type_into(&mut self, selector: &str, text: &str) {
        let found = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); if (!e) return false; \
                 e.focus(); e.select && e.select(); return document.activeElement === e; }})()",
                s = serde_json::Value::from(selector)
            ))
            .await;
        assert_eq!(
            found,
            serde_json::Value::Bool(true),
            "no field {selector} to type into"
        );
        self.send("Input.insertText", serde_json::json!({ "text": text }))
            .await;
    }

    /// Clicks the middle of the element `selector` with the mouse (scrolled into view first).
    pub async fn click(&mut self, selector: &str) {
        let at = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); if (!e) return null; \
                 e.scrollIntoView({{ block: 'center' }}); const r = e.getBoundingClientRect(); \
                 return {{ x: r.x + r.width / 2, y: r.y + r.height / 2 }}; }})()",
                s = serde_json::Value::from(selector)
            ))
            .await;
        let (Some(x), Some(y)) = (at["x"].as_f64(), at["y"].as_f64()) else {
            panic!("no {selector} to click on the page");
        };
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.send(
                "Input.dispatchMouseEvent",
                serde_json::json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .await;
        }
    }

    /// The text of every `[data-field]` element under `scope`, by field name.
    pub async fn fields(&mut self, scope: &str) -> std::collections::BTreeMap<String, String> {
        let v = self
            .eval(&format!(
                "Object.fromEntries([...document.querySelectorAll({s})].map(e => \
                 [e.dataset.field, e.textContent.trim()]))",
                s = serde_json::Value::from(format!("{scope} [data-field]"))
            ))
            .await;
        serde_json::from_value(v).expect("fields")
    }

    /// Saves a PNG of the page as `<name>.png` in the directory `SETELI_BROWSER_SCREENSHOTS`
    /// names, when it is set (to look at what a test saw); does nothing otherwise.
    pub async fn screenshot(&mut self, name: &str) {
        use base64::Engine as _;
        let Some(dir) = std::env::var_os("SETELI_BROWSER_SCREENSHOTS") else {
            return;
        };
        let shot = self
            .send(
                "Page.captureScreenshot",
                serde_json::json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("data"))
            .expect("base64 PNG");
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }

    /// Sets the value of the field `selector` (a date, a time, a select) and tells the page, as
    /// a person's input would (`input` and `change` events).
    pub async fn set_value(&mut self, selector: &str, value: &str) {
        let done = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); if (!e) return false; \
                 e.value = {v}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); \
                 e.dispatchEvent(new Event('change', {{ bubbles: true }})); return true; }})()",
                s = serde_json::Value::from(selector),
                v = serde_json::Value::from(value),
            ))
            .await;
        assert_eq!(done, serde_json::Value::Bool(true), "no field {selector}");
    }

    /// The text of the first element `selector` names (trimmed); panics when there is none.
    pub async fn text(&mut self, selector: &str) -> String {
        let v = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); \
                 return e ? e.textContent.trim() : null; }})()",
                s = serde_json::Value::from(selector)
            ))
            .await;
        v.as_str()
            .unwrap_or_else(|| panic!("no {selector} on the page"))
            .to_owned()
    }

    /// Looks voucher `number` up by keyboard in the social worker's portal (the field focused,
    /// the number typed, Enter), and waits for the answer and for the voucher's timeline.
    pub async fn look_up_voucher_by_keyboard(&mut self, number: &str) {
        self.eval("document.querySelector('#voucher-query').focus()")
            .await;
        self.type_into("#voucher-query", number).await;
        self.eval("document.querySelector('#status').dataset.state = 'idle'")
            .await;
        self.press("Enter").await;
        self.wait_for("the lookup by keyboard", ANSWERED).await;
        let filled = "document.querySelector('#timeline').dataset.state === 'ok'";
        self.wait_for("the timeline", filled).await;
    }

    /// Clicks `selector`, then waits until the page's status says the call the click made was
    /// answered (the status is set idle first: a click that starts no call times out).
    pub async fn click_and_wait(&mut self, selector: &str) {
        self.eval("document.querySelector('#status').dataset.state = 'idle'")
            .await;
        self.click(selector).await;
        self.wait_for(&format!("the answer to {selector}"), ANSWERED)
            .await;
    }

    /// Lays the page out `width` CSS pixels wide (a phone: 360), as a touch device below 600.
    pub async fn set_width(&mut self, width: u32) {
        self.send(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({
                "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600
            }),
        )
        .await;
    }

    /// How many CSS pixels the page is wider than its window (0: nothing to scroll sideways).
    pub async fn overflow_x(&mut self) -> i64 {
        let v = self
            .eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            .await;
        v.as_i64().expect("a number")
    }

    /// Presses a key as a keyboard would (`Tab`, `Enter`, `Escape`, `Space`, `ArrowDown`):
    /// down and up, to whatever has the focus.
    pub async fn press(&mut self, key: &str) {
        let (code, text, key_name) = match key {
            "Tab" => (9, "", "Tab"),
            "Enter" => (13, "\r", "Enter"),
            "Escape" => (27, "", "Escape"),
            "Space" => (32, " ", " "),
            "ArrowDown" => (40, "", "ArrowDown"),
            other => panic!("no key {other} in Browser::press"),
        };
        let code_name = if key == "Space" { "Space" } else { key };
        let mut down = serde_json::json!({
            "type": if text.is_empty() { "rawKeyDown" } else { "keyDown" },
            "key": key_name, "code": code_name,
            "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code,
        });
        if !text.is_empty() {
            down["text"] = text.into();
        }
        self.send("Input.dispatchKeyEvent", down).await;
        self.send(
            "Input.dispatchKeyEvent",
            serde_json::json!({
                "type": "keyUp", "key": key_name, "code": code_name,
                "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code,
            }),
        )
        .await;
    }

    /// Checks the page as it is now with axe-core (web/node_modules/axe-core, pinned in
    /// web/package-lock.json; `make web` installs it): its script is put into the page, and
    /// every finding of `serious` or `critical` impact is answered, one line each (rule id,
    /// impact, help, the elements). What `view` names is for the messages.
    pub async fn accessibility_findings(&mut self, view: &str) -> Vec<String> {
        let axe = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../web/node_modules/axe-core/axe.min.js");
        let script = std::fs::read_to_string(&axe).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed ({}: {e}): run `make web` (npm ci in web/)",
                axe.display()
            )
        });
        if self.eval("typeof axe === 'undefined'").await == serde_json::Value::Bool(true) {
            let loaded = self
                .send(
                    "Runtime.evaluate",
                    serde_json::json!({ "expression": script, "returnByValue": true }),
                )
                .await;
            assert!(
                loaded.get("exceptionDetails").is_none(),
                "axe-core did not load in {view}: {loaded}"
            );
        }
        let found = self
            .eval(
                "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations \
                 .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                 .map(v => `${v.id} (${v.impact}): ${v.help} — ` + \
                      v.nodes.map(n => n.target.join(' ')).join(', ')))",
            )
            .await;
        serde_json::from_value(found).expect("axe's findings")
    }

    /// Asserts that axe-core finds nothing serious or critical in the page as it is now.
    pub async fn assert_accessible(&mut self, view: &str) {
        let findings = self.accessibility_findings(view).await;
        assert!(
            findings.is_empty(),
            "axe-core found serious or critical problems in {view}:\n{}",
            findings.join("\n")
        );
    }

    /// What the page logged and threw so far.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// Closes the browser and waits for it to exit.
    pub async fn close(mut self) {
        let _ = self.send("Browser.close", serde_json::json!({})).await;
        let _ = tokio::time::timeout(BROWSER_PATIENCE, self.child.wait()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(origin: &str, target: &str) -> String {
        let addr = origin.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let head = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        answer
    }

    #[tokio::test]
    async fn the_accessibility_check_finds_what_is_serious_and_passes_what_is_not() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("index.html"),
            "<!doctype html><html lang=\"fi\"><head><title>t</title></head><body><main>\
             <h1>Otsikko</h1><img src=\"x.png\"><button></button></main></body></html>",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("good.html"),
            "<!doctype html><html lang=\"fi\"><head><title>t</title></head><body><main>\
             <h1>Otsikko</h1><img src=\"x.png\" alt=\"Kuva\"><button>Tallenna</button>\
             </main></body></html>",
        )
        .expect("write");
        let origin = serve_static(dir.path()).await;
        let mut browser = Browser::launch().await;
        browser
            .open(&format!("{origin}/"), "document.readyState === 'complete'")
            .await;
        let findings = browser.accessibility_findings("a page with faults").await;
        for rule in ["image-alt", "button-name"] {
            assert!(
                findings.iter().any(|f| f.starts_with(&format!("{rule} ("))),
                "{rule} not in {findings:?}"
            );
        }
        browser
            .open(
                &format!("{origin}/good.html"),
                "document.readyState === 'complete'",
            )
            .await;
        browser.assert_accessible("a page without faults").await;
        browser.close().await;
    }

    #[tokio::test]
    async fn the_static_server_serves_the_index_at_the_root_and_nothing_it_does_not_have() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("index.html"), "<p>portal</p>").expect("write");
        std::fs::write(dir.path().join("app.js"), "run()").expect("write");
        let origin = serve_static(dir.path()).await;
        let root = get(&origin, "/?token=x").await;
        assert!(root.starts_with("HTTP/1.1 200 OK"), "{root}");
        assert!(
            root.contains("text/html") && root.ends_with("<p>portal</p>"),
            "{root}"
        );
        let script = get(&origin, "/app.js#top").await;
        assert!(
            script.contains("text/javascript") && script.ends_with("run()"),
            "{script}"
        );
        assert!(
            get(&origin, "/secret.txt")
                .await
                .starts_with("HTTP/1.1 404")
        );
    }
}
