//! A fake GitHub REST API for the Action tests: issue comments (paginated with `Link`
//! headers like the real API), create, update, `GET /user` and `GET /pulls/N`, served by
//! the shared loopback [`MockServer`]. Faults are injected per method.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::common::http::{MockServer, Reply, Request};

pub const OWNER_REPO: &str = "octo-org/shop-api";
pub const PR: u64 = 42;
/// The pull request's head commit (what links must use).
pub const HEAD_SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
/// The merge commit GitHub checks out for `pull_request` (`GITHUB_SHA`): never linked.
pub const MERGE_SHA: &str = "9f1c0e5d7b3a2c4e6f8091a2b3c4d5e6f7a8b9c0";
/// The Actions `GITHUB_TOKEN` is an installation token (a fake one).
// mistral-gate: ignore no-hardcoded-secrets
pub const ACTIONS_TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
pub const BOT: &str = "github-actions[bot]";
/// Comments per page the fake serves, whatever `per_page` asks (GitHub caps it too).
pub const PAGE_SIZE: usize = 25;

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub login: String,
    pub body: String,
}

#[derive(Default)]
pub struct State {
    pub comments: Vec<Comment>,
    pub next_id: u64,
    /// Status to answer for every request of this method ("GET", "POST", "PATCH").
    pub fail: Option<(&'static str, u16)>,
}

pub struct FakeGitHub {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    pub fn start() -> FakeGitHub {
        let state = Arc::new(Mutex::new(State {
            next_id: 1_000_000,
            ..State::default()
        }));
        let s = state.clone();
        let server = MockServer::start(move |req| handle(&mut s.lock().unwrap(), req));
        FakeGitHub { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Seeds a comment, as if written earlier.
    pub fn add_comment(&self, login: &str, body: &str) -> u64 {
        let mut st = self.state.lock().unwrap();
        st.next_id += 1;
        let id = st.next_id;
        st.comments.push(Comment {
            id,
            login: login.into(),
            body: body.into(),
        });
        id
    }

    pub fn fail(&self, method: &'static str, status: u16) {
        self.state.lock().unwrap().fail = Some((method, status));
    }

    pub fn comments(&self) -> Vec<Comment> {
        self.state.lock().unwrap().comments.clone()
    }

    /// Requests that wrote something.
    pub fn writes(&self) -> Vec<Request> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }
}

fn comment_json(base: &str, c: &Comment) -> serde_json::Value {
    let bot = c.login.ends_with("[bot]");
    json!({
        "url": format!("{base}/repos/{OWNER_REPO}/issues/comments/{}", c.id),
        "html_url": format!("https://github.com/{OWNER_REPO}/pull/{PR}#issuecomment-{}", c.id),
        "issue_url": format!("{base}/repos/{OWNER_REPO}/issues/{PR}"),
        "id": c.id,
        "node_id": format!("IC_kwDOA{}", c.id),
        "user": {
            "login": c.login, "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=",
            "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "",
            "url": format!("{base}/users/{}", c.login), "html_url": format!("https://github.com/apps/{}", c.login),
            "type": if bot { "Bot" } else { "User" }, "site_admin": false
        },
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "author_association": if bot { "NONE" } else { "CONTRIBUTOR" },
        "body": c.body,
        "reactions": {"url": "", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0},
        "performed_via_github_app": null
    })
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": status.to_string()}).to_string())
}

fn handle(st: &mut State, req: &Request) -> Reply {
    let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
    if let Some((method, status)) = st.fail {
        if method == req.method {
            return match status {
                403 => error(403, "Resource not accessible by integration"),
                422 => Reply::json(
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}], "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment", "status": "422"}).to_string(),
                ),
                502 => Reply::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
                s => error(s, "error"),
            };
        }
    }
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let repo = format!("/repos/{OWNER_REPO}");
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
    match (req.method.as_str(), path) {
        ("GET", "/user") => {
            if req.header("authorization").is_some_and(|a| a.contains("ghs_")) {
                error(403, "Resource not accessible by integration")
            } else {
                Reply::json(200, json!({"login": "octo-dev", "id": 1, "type": "User"}).to_string())
            }
        }
        ("GET", p) if p == format!("{repo}/pulls/{PR}") => {
            Reply::json(200, json!({"number": PR, "head": {"sha": HEAD_SHA, "ref": "feature"}, "base": {"ref": "main"}}).to_string())
        }
        ("GET", p) if p == format!("{repo}/issues/{PR}/comments") => {
            let page: usize = query.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|v| v.parse().ok()).unwrap_or(1);
            let pages = st.comments.len().div_ceil(PAGE_SIZE).max(1);
            let items: Vec<_> = st.comments.iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE).map(|c| comment_json(&base, c)).collect();
            let link = |n: usize, rel: &str| format!("<{base}{repo}/issues/{PR}/comments?per_page=100&page={n}>; rel=\"{rel}\"");
            let mut links = Vec::new();
            if page < pages {
                links.push(link(page + 1, "next"));
                links.push(link(pages, "last"));
            }
            if page > 1 {
                links.push(link(page - 1, "prev"));
                links.push(link(1, "first"));
            }
            let reply = Reply::json(200, serde_json::Value::Array(items).to_string());
            if links.is_empty() { reply } else { reply.with_header("link", &links.join(", ")) }
        }
        ("POST", p) if p == format!("{repo}/issues/{PR}/comments") => {
            st.next_id += 1;
            let c = Comment { id: st.next_id, login: BOT.into(), body: body["body"].as_str().unwrap_or("").into() };
            st.comments.push(c.clone());
            Reply::json(201, comment_json(&base, &c).to_string())
        }
        ("PATCH", p) if p.starts_with(&format!("{repo}/issues/comments/")) => {
            let id: u64 = p.rsplit('/').next().unwrap().parse().unwrap();
            match st.comments.iter_mut().find(|c| c.id == id) {
                Some(c) => {
                    c.body = body["body"].as_str().unwrap_or("").into();
                    Reply::json(200, comment_json(&base, c).to_string())
                }
                None => error(404, "Not Found"),
            }
        }
        _ => error(404, "Not Found"),
    }
}
