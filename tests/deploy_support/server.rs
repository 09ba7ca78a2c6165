//! A tiny HTTP/1.1 server on a loopback port for the deploy tests: one request per
//! connection (`Connection: close`), a whole answer or a chunked stream (the watch).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| decode(v))
        })
    }
}

pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap(),
                );
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub enum Resp {
    Full {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Chunks until the producer returns `None` or the client leaves.
    Stream(Box<dyn FnMut() -> Option<String> + Send>),
}

impl Resp {
    pub fn json(status: u16, body: impl Into<String>) -> Resp {
        Resp::Full {
            status,
            content_type: "application/json",
            body: body.into(),
        }
    }
    pub fn text(status: u16, body: impl Into<String>) -> Resp {
        Resp::Full {
            status,
            content_type: "text/plain; version=0.0.4",
            body: body.into(),
        }
    }
}

pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(Req) -> Resp + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(handler);
        let s = stop.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let h = handler.clone();
                let s = s.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &*h, &s);
                });
            }
        });
        Server { addr, stop }
    }
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(
    stream: TcpStream,
    handler: &dyn Fn(Req) -> Resp,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let req = Req {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
    };
    let mut out = stream;
    match handler(req) {
        Resp::Full {
            status,
            content_type,
            body,
        } => {
            write!(out, "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
        }
        Resp::Stream(mut next) => {
            write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")?;
            out.flush()?;
            while !stop.load(Ordering::SeqCst) {
                match next() {
                    Some(chunk) if chunk.is_empty() => thread::sleep(Duration::from_millis(30)),
                    Some(chunk) => {
                        write!(out, "{:x}\r\n{chunk}\r\n", chunk.len())?;
                        out.flush()?;
                    }
                    None => break,
                }
            }
            write!(out, "0\r\n\r\n")?;
        }
    }
    out.flush()
}
