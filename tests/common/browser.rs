//! A real browser for the tests: Debian's headless Chromium, driven over
//! the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
//! messages ending in NUL on the browser's file descriptors 3 and 4), so no
//! port is opened and no crate beyond serde_json is needed. The shell puts
//! the child's stdin and stdout on descriptors 3 and 4 (`3<&0 4>&1`), which
//! std's `Command` cannot do by itself without unsafe code.
//!
//! Every page records what it asked the network for, what the console and
//! the security log said, and uncaught exceptions, so tests can assert that
//! a page loads nothing, sends nothing and runs without errors.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// How long one protocol call may take before the test fails.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The flags that make Chromium run headless as root here, talk over the
/// pipe and reach for nothing on the network by itself.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
];

/// The Chromium binary: `$HIVETRIAGE_CHROMIUM`, else `chromium` on the
/// PATH; `None` when there is none.
pub fn chromium() -> Option<String> {
    if let Ok(path) = std::env::var("HIVETRIAGE_CHROMIUM") {
        return Some(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    found.map(|path| path.to_string_lossy().into_owned())
}

pub struct Browser {
    child: Child,
    to_browser: ChildStdin,
    from_browser: Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for something else.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh browser with an empty profile; `None` when Chromium is not
    /// installed.
    pub fn launch() -> Option<Browser> {
        let binary = chromium()?;
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(&binary)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{binary} does not start: {e}"));
        let to_browser = child.stdin.take().expect("piped stdin");
        let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (sender, from_browser) = mpsc::channel();
        std::thread::spawn(move || {
            let mut message = Vec::new();
            loop {
                message.clear();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                message.pop();
                let Ok(value) = serde_json::from_slice::<Value>(&message) else {
                    continue;
                };
                if sender.send(value).is_err() {
                    return;
                }
            }
        });
        Some(Browser {
            child,
            to_browser,
            from_browser,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        })
    }

    /// Sends one command (to a page's session, or to the browser) and
    /// returns its result; an error answer fails the test.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("JSON");
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .and_then(|_| self.to_browser.flush())
            .expect("the browser reads its pipe");
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let value = self.receive(deadline, method);
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method}: {error}");
                }
                return value["result"].clone();
            }
            self.events.push(value);
        }
    }

    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.from_browser
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no answer from the browser for {waiting_for}"))
    }

    /// Waits for an event of a session (those already received count).
    pub fn wait_for(&mut self, session: &str, method: &str) -> Value {
        let matches = |event: &Value| event["method"] == method && event["sessionId"] == session;
        if let Some(at) = self.events.iter().position(matches) {
            return self.events.remove(at);
        }
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let value = self.receive(deadline, method);
            if matches(&value) {
                return value;
            }
            self.events.push(value);
        }
    }

    /// Opens `file` in a new tab of `width` x `height` CSS pixels, with
    /// scripts on or off, and waits until it has loaded.
    pub fn open(&mut self, file: &Path, width: u32, height: u32, scripts: bool) -> Page<'_> {
        self.open_url(
            &format!("file://{}", file.display()),
            width,
            height,
            scripts,
        )
    }

    /// Opens `url` (e.g. a file's with a `#fragment`) like [`Browser::open`].
    pub fn open_url(&mut self, url: &str, width: u32, height: u32, scripts: bool) -> Page<'_> {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"]
            .as_str()
            .expect("a target id")
            .to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        let session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        for domain in [
            "Page.enable",
            "Network.enable",
            "Log.enable",
            "Runtime.enable",
        ] {
            self.call(Some(&session), domain, json!({}));
        }
        self.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        if !scripts {
            self.call(
                Some(&session),
                "Emulation.setScriptExecutionDisabled",
                json!({"value": true}),
            );
        }
        self.call(Some(&session), "Page.navigate", json!({"url": url}));
        self.wait_for(&session, "Page.loadEventFired");
        Page {
            browser: self,
            session,
            url: url.split('#').next().unwrap_or(url).to_string(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One open tab.
pub struct Page<'a> {
    browser: &'a mut Browser,
    session: String,
    pub url: String,
}

impl Page<'_> {
    /// Evaluates `expression` in the page (awaiting a promise) and returns
    /// its value; an exception fails the test.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.browser.call(
            Some(&self.session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Sends a command to the browser itself (not to this tab).
    pub fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.browser.call(None, method, params)
    }

    /// Waits `ms` milliseconds of page time (lets timers such as a
    /// debounce run).
    pub fn sleep(&mut self, ms: u64) {
        self.eval(&format!("new Promise(done => setTimeout(done, {ms}))"));
    }

    /// A PNG of the whole page (`full`) or of the viewport.
    pub fn screenshot_png(&mut self, full: bool) -> Vec<u8> {
        let shot = self.browser.call(
            Some(&self.session),
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": full}),
        );
        decode_base64(shot["data"].as_str().expect("base64 data"))
    }

    /// Every event of this tab so far with the given method.
    pub fn events(&mut self, method: &str) -> Vec<Value> {
        // A round trip first, so events sent before it have arrived.
        self.eval("0");
        self.browser
            .events
            .iter()
            .filter(|event| event["method"] == method && event["sessionId"] == self.session)
            .cloned()
            .collect()
    }

    /// The URLs the page asked the network (or the file system) for.
    pub fn requests(&mut self) -> Vec<String> {
        self.events("Network.requestWillBeSent")
            .iter()
            .map(|event| {
                event["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    /// Uncaught exceptions, console errors and security (CSP) messages.
    pub fn problems(&mut self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .events("Runtime.exceptionThrown")
            .iter()
            .map(|event| format!("exception: {}", event["params"]["exceptionDetails"]))
            .collect();
        for entry in self.events("Log.entryAdded") {
            let entry = &entry["params"]["entry"];
            if entry["level"] == "error" || entry["source"] == "security" {
                problems.push(format!("{}: {}", entry["source"], entry["text"]));
            }
        }
        for call in self.events("Runtime.consoleAPICalled") {
            if call["params"]["type"] == "error" {
                problems.push(format!("console: {}", call["params"]["args"]));
            }
        }
        problems
    }
}

/// Standard base64 (the protocol's encoding of binary data).
pub fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .map(value)
        .collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
        for i in 0..chunk.len().saturating_sub(1) {
            bytes.push((n >> (16 - 8 * i)) as u8);
        }
    }
    bytes
}
