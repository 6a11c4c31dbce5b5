//! Sealed blobs: an original encrypted at rest, streamed, in authenticated chunks.
//!
//! Format (docs/security.md § "Sealed blobs"):
//!
//! ```text
//! header  = "SKBLOB1\n" (8 bytes) || nonce prefix (19 random bytes)
//! body    = chunk_0 || … || chunk_{n-1}
//! chunk_i = XChaCha20-Poly1305(blob key, nonce = prefix || u32be(i) || last_flag,
//!                              aad = header, 64 KiB of plaintext) (STREAM, BE32)
//! plaintext = content || zero padding || u64le(len(content))
//! len(plaintext) = padme(max(len(content) + 8, 1024))
//! ```
//!
//! Why: the STREAM construction authenticates every chunk, its position and which chunk
//! is last, so truncation, reordering and bit flips are all detected, in constant memory.
//! Padmé padding hides a file's exact size (which could identify a known image) at ≤ 12 %
//! overhead; the true length travels inside the authenticated plaintext.

use std::io::{self, Read, Seek, SeekFrom, Write};

use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use rand::RngCore;
use zeroize::Zeroizing;

/// The first bytes of every sealed blob.
pub const MAGIC: &[u8; 8] = b"SKBLOB1\n";
const PREFIX_LEN: usize = 19;
const HEADER_LEN: usize = MAGIC.len() + PREFIX_LEN;
/// Plaintext bytes per chunk.
const CHUNK: usize = 64 << 10;
const TAG: usize = 16;
const MIN_PLAINTEXT: u64 = 1024;

/// The key that seals blobs. Zeroed when dropped.
#[derive(Clone)]
pub struct BlobKey(Zeroizing<[u8; 32]>);

impl BlobKey {
    /// Wraps raw key bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    fn stream(&self, header: &[u8]) -> StreamBE32<XChaCha20Poly1305> {
        let aead = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]));
        StreamBE32::from_aead(aead, header[MAGIC.len()..HEADER_LEN].into())
    }
}

impl std::fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobKey(…)")
    }
}

/// Padmé (Nikitin et al., 2019): rounds `len` up so that at most O(log log len) bits of it
/// remain, with at most 12 % overhead.
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = 63 - u64::from(len.leading_zeros());
    let s = 64 - u64::from(e.leading_zeros());
    let mask = (1u64 << (e - s)) - 1;
    (len + mask) & !mask
}

fn plaintext_len(content: u64) -> u64 {
    padme((content + 8).max(MIN_PLAINTEXT))
}

fn bad(detail: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the encrypted file is damaged or was altered ({detail})"),
    )
}

/// Encrypts everything written to it into `inner`; [`SealWriter::finish`] must be called.
pub struct SealWriter<W: Write> {
    inner: W,
    stream: StreamBE32<XChaCha20Poly1305>,
    header: [u8; HEADER_LEN],
    buf: Vec<u8>,
    position: u32,
    content: u64,
}

impl<W: Write> SealWriter<W> {
    /// Writes the header to `inner` and starts a sealed blob.
    pub fn new(mut inner: W, key: &BlobKey) -> io::Result<Self> {
        let mut header = [0u8; HEADER_LEN];
        header[..MAGIC.len()].copy_from_slice(MAGIC);
        rand::rng().fill_bytes(&mut header[MAGIC.len()..]);
        inner.write_all(&header)?;
        Ok(Self {
            inner,
            stream: key.stream(&header),
            header,
            buf: Vec::with_capacity(CHUNK + TAG),
            position: 0,
            content: 0,
        })
    }

    /// The file being written, e.g. to flush it to disk along the way.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    fn push(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            if self.buf.len() == CHUNK {
                self.seal_chunk(false)?;
            }
            let take = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(())
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        self.stream
            .encrypt_in_place(self.position, last, &self.header, &mut self.buf)
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        self.position = self
            .position
            .checked_add(1)
            .ok_or_else(|| io::Error::other("the file is too large to encrypt"))?;
        Ok(())
    }

    /// Pads, seals the last chunk and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let total = plaintext_len(self.content);
        let mut pad = total - 8 - self.content;
        let zeros = [0u8; 4096];
        while pad > 0 {
            let n = pad.min(zeros.len() as u64) as usize;
            self.push(&zeros[..n])?;
            pad -= n as u64;
        }
        self.push(&self.content.to_le_bytes())?;
        self.seal_chunk(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.push(data)?;
        self.content += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decrypts a sealed blob; every byte it returns has been authenticated.
pub struct SealReader<R: Read + Seek> {
    inner: R,
    stream: StreamBE32<XChaCha20Poly1305>,
    header: [u8; HEADER_LEN],
    chunks: u32,
    next: u32,
    last_len: usize,
    buf: Vec<u8>,
    at: usize,
    remaining: u64,
}

impl<R: Read + Seek> SealReader<R> {
    /// Opens a sealed blob, checking its header and its last chunk (which holds the
    /// content length) before returning.
    pub fn new(mut inner: R, key: &BlobKey) -> io::Result<Self> {
        let file_len = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        let mut header = [0u8; HEADER_LEN];
        inner
            .read_exact(&mut header)
            .map_err(|_| bad("it is shorter than its header"))?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err(bad("it does not start like a Safekeep encrypted file"));
        }
        let body = file_len - HEADER_LEN as u64;
        let full = (CHUNK + TAG) as u64;
        let chunks = body.div_ceil(full).max(1);
        let last_len = (body - (chunks - 1) * full) as usize;
        if last_len < TAG + 8 {
            return Err(bad("it was cut short"));
        }
        let chunks = u32::try_from(chunks).map_err(|_| bad("it is impossibly large"))?;
        let mut reader = Self {
            inner,
            stream: key.stream(&header),
            header,
            chunks,
            next: 0,
            last_len,
            buf: Vec::with_capacity(CHUNK + TAG),
            at: 0,
            remaining: 0,
        };
        reader
            .inner
            .seek(SeekFrom::Start(HEADER_LEN as u64 + u64::from(chunks - 1) * full))?;
        reader.load(chunks - 1)?;
        let tail: [u8; 8] = reader.buf[reader.buf.len() - 8..]
            .try_into()
            .map_err(|_| bad("no length"))?;
        let content = u64::from_le_bytes(tail);
        let plain = body - u64::from(chunks) * TAG as u64;
        if content.checked_add(8).is_none_or(|n| n > plain) || plaintext_len(content) != plain {
            return Err(bad("its recorded length does not fit"));
        }
        reader.remaining = content;
        reader.inner.seek(SeekFrom::Start(HEADER_LEN as u64))?;
        reader.buf.clear();
        reader.at = 0;
        reader.next = 0;
        Ok(reader)
    }

    fn load(&mut self, index: u32) -> io::Result<()> {
        let last = index + 1 == self.chunks;
        let len = if last { self.last_len } else { CHUNK + TAG };
        self.buf.resize(len, 0);
        self.inner
            .read_exact(&mut self.buf)
            .map_err(|_| bad("it was cut short"))?;
        self.stream
            .decrypt_in_place(index, last, &self.header, &mut self.buf)
            .map_err(|_| bad("a chunk does not authenticate"))?;
        self.at = 0;
        self.next = index + 1;
        Ok(())
    }
}

impl<R: Read + Seek> Read for SealReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || out.is_empty() {
            return Ok(0);
        }
        if self.at == self.buf.len() {
            if self.next == self.chunks {
                return Err(bad("it ended early"));
            }
            self.load(self.next)?;
        }
        let n = (self.buf.len() - self.at)
            .min(out.len())
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn seal(data: &[u8], key: &BlobKey) -> Vec<u8> {
        let mut w = SealWriter::new(Vec::new(), key).expect("header");
        w.write_all(data).expect("write");
        w.finish().expect("finish")
    }

    fn open(sealed: &[u8], key: &BlobKey) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        SealReader::new(Cursor::new(sealed), key)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_every_boundary() {
        let key = BlobKey::new([3; 32]);
        for len in [
            0,
            1,
            1000,
            1016,
            1017,
            CHUNK - 8,
            CHUNK,
            CHUNK + 1,
            3 * CHUNK + 5,
            300_000,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let sealed = seal(&data, &key);
            assert_eq!(open(&sealed, &key).expect("open"), data, "len {len}");
            assert!(
                !sealed
                    .windows(16.min(len.max(1)))
                    .any(|w| len >= 16 && w == &data[..16])
            );
            let plain = plaintext_len(len as u64);
            assert_eq!(
                sealed.len() as u64,
                HEADER_LEN as u64 + plain + 16 * plain.div_ceil(CHUNK as u64)
            );
        }
    }

    #[test]
    fn rejects_alteration_truncation_and_wrong_key() {
        let key = BlobKey::new([3; 32]);
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 13) as u8).collect();
        let sealed = seal(&data, &key);
        for at in [0, 10, HEADER_LEN, HEADER_LEN + 70_000, sealed.len() - 1] {
            let mut bent = sealed.clone();
            bent[at] ^= 1;
            assert!(open(&bent, &key).is_err(), "flip at {at}");
        }
        for cut in [HEADER_LEN + CHUNK + TAG, sealed.len() - 1, 5] {
            assert!(open(&sealed[..cut], &key).is_err(), "cut at {cut}");
        }
        assert!(open(&sealed, &BlobKey::new([4; 32])).is_err());
    }

    #[test]
    fn padme_bounds_overhead() {
        assert_eq!(padme(1024), 1024);
        assert_eq!(padme(1025), 1088);
        for len in [2000u64, 65_536, 1 << 30, 123_456_789] {
            let p = padme(len);
            assert!(p >= len && p - len <= len / 8, "{len} -> {p}");
        }
    }
}
