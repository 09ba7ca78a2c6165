//! What the deploy tests share: the loopback HTTP server, a test service the tests
//! steer, the Kubernetes stand-in, a real Prometheus, and one way to run the binary.
#![allow(dead_code)]

pub mod server;
pub mod standin;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use server::{Resp, Server};

pub const KEY: &str = "Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue";

/// What the test service answers, steered by the test.
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// `/health` answers 503 `unhealthy` (echoing the key).
    pub unhealthy: bool,
    pub degraded: bool,
    /// Health answers fail from this probe on (0: never).
    pub fail_from_probe: usize,
    pub slow_ms: u64,
    pub probes: usize,
    /// Counters for /metrics.
    pub ok: u64,
    pub e5xx: u64,
    pub e429: u64,
    pub e401: u64,
    pub breaker_open: bool,
    pub fast: u64,
    pub slow: u64,
    pub cost: f64,
}

pub struct Service {
    pub server: Server,
    pub knobs: Arc<Mutex<Knobs>>,
}

/// `/health`, `/api/chat` (the smoke route) and `/metrics`. Health and smoke bodies
/// echo the key, as a careless service might. `unhealthy_when` lets the health answer
/// depend on the outside (the stand-in's current image).
pub fn service(unhealthy_when: impl Fn() -> bool + Send + Sync + 'static) -> Service {
    let knobs = Arc::new(Mutex::new(Knobs::default()));
    let k = knobs.clone();
    let server = Server::start(move |req| {
        let mut k = k.lock().unwrap();
        match req.path.as_str() {
            "/health" => {
                k.probes += 1;
                let slow = k.slow_ms;
                let failing = k.unhealthy
                    || unhealthy_when()
                    || (k.fail_from_probe > 0 && k.probes >= k.fail_from_probe);
                let degraded = k.degraded;
                drop(k);
                if slow > 0 {
                    std::thread::sleep(Duration::from_millis(slow));
                }
                if failing {
                    Resp::json(
                        503,
                        format!(
                            r#"{{"status":"unhealthy","services":{{"mistral":"down"}},"debug":"Authorization: Bearer {KEY}"}}"#
                        ),
                    )
                } else if degraded {
                    Resp::json(200, r#"{"status":"degraded"}"#)
                } else {
                    Resp::json(
                        200,
                        format!(r#"{{"status":"healthy","config":{{"key":"{KEY}"}}}}"#),
                    )
                }
            }
            "/api/chat" => Resp::json(
                200,
                format!(r#"{{"choices":[{{"message":{{"content":"pong {KEY}"}}}}]}}"#),
            ),
            "/metrics" => {
                let mut m = String::new();
                m.push_str("# TYPE mistral_requests_total counter\n");
                for (status, n) in [
                    ("200", k.ok),
                    ("500", k.e5xx),
                    ("429", k.e429),
                    ("401", k.e401),
                ] {
                    m.push_str(&format!(
                        "mistral_requests_total{{status=\"{status}\"}} {n}\n"
                    ));
                }
                m.push_str("# TYPE mistral_request_duration_seconds histogram\n");
                let (f, s) = (k.fast, k.slow);
                for (le, n) in [("0.5", f), ("5", f), ("10", f + s), ("+Inf", f + s)] {
                    m.push_str(&format!(
                        "mistral_request_duration_seconds_bucket{{le=\"{le}\"}} {n}\n"
                    ));
                }
                m.push_str(&format!("mistral_request_duration_seconds_sum {}\nmistral_request_duration_seconds_count {}\n", f as f64 * 0.1 + s as f64 * 8.0, f + s));
                m.push_str(&format!(
                    "# TYPE mistral_circuit_breaker_open gauge\nmistral_circuit_breaker_open {}\n",
                    u8::from(k.breaker_open)
                ));
                m.push_str(&format!(
                    "# TYPE mistral_cost_dollars_total counter\nmistral_cost_dollars_total {}\n",
                    k.cost
                ));
                Resp::text(200, m)
            }
            _ => Resp::json(404, "{}"),
        }
    });
    Service { server, knobs }
}

/// A real Prometheus (the Debian package) on a free loopback port, scraping `target`
/// every second, with its storage in a temporary folder. Killed on drop.
pub struct Prometheus {
    child: std::process::Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    pub fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: svc\n  static_configs:\n  - targets: ['{}']\n", target.trim_start_matches("http://")),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(prometheus_bin())
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus (scripts/setup.d/50-deploy-tools.sh installs it)");
        let p = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        p.wait_for("up", |v| v == 1.0);
        p
    }

    /// An instant query's first value (a plain HTTP GET over std, no client needed).
    pub fn value(&self, query: &str) -> Option<f64> {
        use std::io::{Read, Write};
        let enc: String = query
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        write!(
            s,
            "GET /api/v1/query?query={enc} HTTP/1.0\r\nHost: {addr}\r\n\r\n"
        )
        .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let body = text.split_once("\r\n\r\n")?.1;
        let v: serde_json::Value = serde_json::from_str(body).ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Waits (at most 20 s) until `query` satisfies `ok`.
    pub fn wait_for(&self, query: &str, ok: impl Fn(f64) -> bool) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if self.value(query).is_some_and(&ok) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "Prometheus never satisfied {query} (now {:?})",
            self.value(query)
        );
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn prometheus_bin() -> String {
    std::env::var("PROMETHEUS_BIN").unwrap_or_else(|_| "/usr/bin/prometheus".into())
}

pub fn kubectl_bin() -> String {
    std::env::var("KUBECTL_BIN").unwrap_or_else(|_| "/usr/bin/kubectl".into())
}

/// `mistral-gate ARGS` with a clean environment plus `env`, the key set.
pub fn gate(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mistral-gate"));
    cmd.args(args);
    for var in [
        "MISTRAL_API_KEY",
        "MISTRAL_FALLBACK_API_KEY",
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "KUBECONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("MISTRAL_API_KEY", KEY)
        .env("HOME", std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// A finished run: exit code, stdout (the JSON report), stderr.
pub struct Done {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Done {
    pub fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
    pub fn status(&self, id: &str) -> String {
        self.check(id)["status"].as_str().unwrap().to_string()
    }
    pub fn check(&self, id: &str) -> serde_json::Value {
        self.report()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id}"))
    }
    /// The key appears nowhere, whole.
    pub fn assert_no_key(&self) {
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            assert!(!text.contains(KEY), "{name} holds the key:\n{text}");
            assert!(
                !text.contains("kube-token-Sx9Lm2Qw7Er4Ty6Ui8Op0As"),
                "{name} holds the kube token"
            );
        }
    }
    pub fn describe(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn run(mut cmd: Command) -> Done {
    let out = cmd.output().expect("run mistral-gate");
    Done {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
