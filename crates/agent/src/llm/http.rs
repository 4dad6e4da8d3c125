//! A minimal blocking HTTP/1.1 client for one JSON POST: enough for an OpenAI-compatible
//! chat-completions endpoint served over plain HTTP (llama.cpp, vLLM, Ollama, a local
//! gateway). No TLS: point it at a local gateway for a remote HTTPS service.

use crate::error::{AgentError, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where requests go: `http://host:port/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path: String,
}

fn llm(message: impl Into<String>) -> AgentError {
    AgentError::Llm { message: message.into() }
}

/// Largest response body read (a chat completion is a few kilobytes).
const MAX_BODY: usize = 8 * 1024 * 1024;

impl Endpoint {
    /// Parse `http://host[:port]/path`.
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            llm(format!(
                "endpoint `{url}` must start with http:// (this client has no TLS; use a local gateway for https)"
            ))
        })?;
        let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => {
                (h, p.parse::<u16>().map_err(|_| llm(format!("endpoint `{url}`: port `{p}` is not a number")))?)
            }
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(llm(format!("endpoint `{url}` has no host")));
        }
        Ok(Self { host: host.to_string(), port, path })
    }

    /// POST `body` as JSON and return the response body of a 2xx answer.
    pub(crate) fn post_json(&self, body: &str, bearer: Option<&str>, timeout: Duration) -> Result<String> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| llm(format!("cannot resolve {}: {e}", self.host)))?
            .next()
            .ok_or_else(|| llm(format!("{} resolves to no address", self.host)))?;
        let mut stream =
            TcpStream::connect_timeout(&addr, timeout).map_err(|e| llm(format!("cannot connect to {addr}: {e}")))?;
        let io = |e: std::io::Error| llm(format!("talking to {addr}: {e}"));
        stream.set_read_timeout(Some(timeout)).map_err(io)?;
        stream.set_write_timeout(Some(timeout)).map_err(io)?;
        let auth = bearer.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nAccept: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).map_err(io)?;
        stream.write_all(body.as_bytes()).map_err(io)?;
        stream.flush().map_err(io)?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).map_err(io)?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| llm(format!("{addr} answered `{}`, not HTTP", status_line.trim())))?;
        let mut length: Option<usize> = None;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).map_err(io)? == 0 || line == "\r\n" || line == "\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
                if name == "content-length" {
                    length = value.parse().ok();
                } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
                    chunked = true;
                }
            }
        }
        let body = if chunked {
            read_chunked(&mut reader).map_err(io)?
        } else if let Some(n) = length {
            if n > MAX_BODY {
                return Err(llm(format!("{addr} sent a {n}-byte body; at most {MAX_BODY} are read")));
            }
            let mut buf = vec![0; n];
            reader.read_exact(&mut buf).map_err(io)?;
            buf
        } else {
            let mut buf = Vec::new();
            reader.take(MAX_BODY as u64).read_to_end(&mut buf).map_err(io)?;
            buf
        };
        let body = String::from_utf8(body).map_err(|_| llm(format!("{addr} sent a body that is not UTF-8")))?;
        if !(200..300).contains(&status) {
            let shown: String = body.chars().take(500).collect();
            return Err(llm(format!("{addr} answered HTTP {status}: {shown}")));
        }
        Ok(body)
    }
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size"))?;
        if n == 0 || out.len() + n > MAX_BODY {
            return Ok(out);
        }
        let mut chunk = vec![0; n + 2];
        reader.read_exact(&mut chunk)?;
        out.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let e = Endpoint::parse("http://127.0.0.1:8080/v1/chat/completions").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("127.0.0.1", 8080, "/v1/chat/completions"));
        assert_eq!(Endpoint::parse("http://localhost").unwrap().path, "/");
        assert!(Endpoint::parse("https://api.example/v1").is_err());
        assert!(Endpoint::parse("http://h:x/").is_err());
    }
}
