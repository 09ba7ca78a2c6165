//! Self-test of the shared harness: the mock server answers what it is told.
mod common;

use common::http::{MockServer, Reply};
use std::io::{Read, Write};

#[test]
fn mock_server_records_and_replies() {
    let server = MockServer::start(|req| {
        Reply::json(200, format!("{{\"path\":\"{}\"}}", req.path)).with_header("x-test", "1")
    });
    let mut s = std::net::TcpStream::connect(server.url().trim_start_matches("http://")).unwrap();
    s.write_all(b"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(out.ends_with("{\"path\":\"/v1/models\"}"), "{out}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].header("authorization"), Some("Bearer abc"));
}
