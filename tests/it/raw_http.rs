//! A minimal HTTP/1.1 client over one plain TCP connection, for tests that
//! must see exactly what goes over the wire: several requests on one
//! keep-alive connection, bodies as sent (still compressed), a connection
//! the server closes.

#![allow(dead_code, reason = "shared helpers; not every suite uses each")]

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One response as it came over the connection.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body after de-chunking, before any content decoding.
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A keep-alive connection to one server.
pub struct Connection {
    stream: BufReader<TcpStream>,
    host: String,
}

impl Connection {
    pub async fn open(address: std::net::SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        Ok(Connection {
            stream: BufReader::new(stream),
            host: address.to_string(),
        })
    }

    /// `GET path` with the given extra headers; reads the whole response.
    /// An error names what went wrong (closed early, truncated body...).
    pub async fn get(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<RawResponse, String> {
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("sending GET {path}: {e}"))?;
        tokio::time::timeout(Duration::from_secs(20), self.read_response())
            .await
            .map_err(|_| format!("no complete response to GET {path} within 20 s"))?
            .map_err(|e| format!("GET {path}: {e}"))
    }

    async fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        let n = self
            .stream
            .read_line(&mut line)
            .await
            .map_err(|e| format!("reading: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    async fn read_response(&mut self) -> Result<RawResponse, String> {
        let status_line = self.line().await?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut headers = Vec::new();
        loop {
            let line = self.line().await?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("bad header line {line:?}"))?;
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let find = |n: &str| {
            headers
                .iter()
                .find(|(name, _)| name == n)
                .map(|(_, v): &(String, String)| v.clone())
        };
        let mut body = Vec::new();
        if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            loop {
                let size_line = self
                    .line()
                    .await
                    .map_err(|e| format!("truncated chunked body: {e}"))?;
                let size =
                    usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| format!("bad chunk size {size_line:?}"))?;
                if size == 0 {
                    // Trailers, then the empty line.
                    while !self.line().await?.is_empty() {}
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.stream
                    .read_exact(&mut body[start..])
                    .await
                    .map_err(|e| format!("truncated chunk: {e}"))?;
                let end = self.line().await?;
                if !end.is_empty() {
                    return Err(format!("chunk not followed by CRLF: {end:?}"));
                }
            }
        } else if let Some(length) = find("content-length") {
            let length: usize = length
                .parse()
                .map_err(|_| format!("bad content-length {length:?}"))?;
            body.resize(length, 0);
            self.stream
                .read_exact(&mut body)
                .await
                .map_err(|e| format!("body shorter than content-length {length}: {e}"))?;
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}
