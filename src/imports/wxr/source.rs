//! The byte source under the XML reader: counts lines and columns of every
//! byte the XML reader consumes (so a position costs no second pass over the
//! file), and refuses to hand out more than a limit of bytes within one XML
//! event (so one huge text or tag cannot grow the reader's buffer without
//! bound).

use std::io::{self, BufRead, Read};

/// Line and column of a place in the input, counted incrementally.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counter {
    /// Line breaks seen (`\n`, `\r\n` or a lone `\r`).
    breaks: u64,
    /// Characters since the last line break.
    chars: u64,
    /// Whether the last byte was `\r` (so a `\n` after it is the same break).
    after_cr: bool,
}

impl Counter {
    pub(super) fn advance(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' => {
                    if !self.after_cr {
                        self.breaks += 1;
                    }
                    self.chars = 0;
                    self.after_cr = false;
                }
                b'\r' => {
                    self.breaks += 1;
                    self.chars = 0;
                    self.after_cr = true;
                }
                _ => {
                    self.after_cr = false;
                    // A character starts at every byte but UTF-8 continuation
                    // bytes (10xxxxxx).
                    if b & 0xC0 != 0x80 {
                        self.chars += 1;
                    }
                }
            }
        }
    }

    /// Adds columns for bytes not seen (best effort, when the bytes are gone).
    pub(super) fn skip_columns(&mut self, n: u64) {
        self.chars += n;
        self.after_cr = false;
    }

    pub(super) fn line(&self) -> u64 {
        self.breaks + 1
    }

    pub(super) fn column(&self) -> u64 {
        self.chars + 1
    }
}

/// A `BufRead` that counts what is consumed through it.
pub(super) struct Source<R> {
    inner: R,
    /// Bytes consumed from `inner`.
    pub(super) consumed: u64,
    /// Where the consumed bytes end.
    pub(super) counter: Counter,
    /// Bytes consumed since [`Source::mark`].
    since_mark: u64,
    /// Most bytes handed out between two marks.
    limit: u64,
    /// Whether reading stopped at `limit`.
    pub(super) over_limit: bool,
}

impl<R: BufRead> Source<R> {
    pub(super) fn new(inner: R, limit: usize) -> Self {
        Self {
            inner,
            consumed: 0,
            counter: Counter::default(),
            since_mark: 0,
            limit: limit as u64,
            over_limit: false,
        }
    }

    /// Starts a new stretch for the limit (called before each XML event).
    pub(super) fn mark(&mut self) {
        self.since_mark = 0;
    }
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since_mark > self.limit {
            self.over_limit = true;
            return Err(io::Error::other("over the reader's size limit"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if amount == 0 {
            return;
        }
        // `fill_buf` on a buffer that still holds data does no I/O and hands
        // back the bytes the caller just looked at: count them.
        if let Ok(bytes) = self.inner.fill_buf() {
            let bytes = &bytes[..amount.min(bytes.len())];
            // The XML reader drops a byte order mark at the start; it takes
            // no column.
            if !(self.consumed == 0 && bytes == b"\xEF\xBB\xBF") {
                self.counter.advance(bytes);
            }
        }
        self.inner.consume(amount);
        self.consumed += amount as u64;
        self.since_mark += amount as u64;
    }
}
