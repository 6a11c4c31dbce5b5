//! Sealed blobs: an original encrypted at rest, streamed, in authenticated chunks.
//!
//! Format (docs/security.md § "Sealed blobs"):
//!
//! ```text
//! v2 header = "SKBLOB2\n" (8 bytes) || salt (32 random bytes)
//!    blob key', prefix = HKDF-SHA-256(ikm = blob key, salt, info = "safekeep blob v2"),
//!                        32 + 7 bytes
//!    chunk_i = AES-256-GCM(blob key', nonce = prefix || u32be(i) || last_flag,
//!                          aad = header, 64 KiB of plaintext)      (STREAM, BE32)
//! v1 header = "SKBLOB1\n" (8 bytes) || nonce prefix (19 random bytes)
//!    chunk_i = XChaCha20-Poly1305(blob key, nonce = prefix || u32be(i) || last_flag,
//!                                 aad = header, 64 KiB of plaintext) (STREAM, BE32)
//! body      = chunk_0 || … || chunk_{n-1}
//! plaintext = content || zero padding || u64le(len(content))
//! len(plaintext) = padme(max(len(content) + 8, 1024))
//! ```
//!
//! Why: the STREAM construction authenticates every chunk, its position and which chunk
//! is last, so truncation, reordering and bit flips are all detected, in constant memory.
//! Padmé padding hides a file's exact size (which could identify a known image) at ≤ 12 %
//! overhead; the true length travels inside the authenticated plaintext.
//!
//! v2 is written where the CPU has AES and carry-less multiply instructions (AES-GCM then
//! runs at ≈ 3× XChaCha20-Poly1305 here, fast enough that sealing is no longer the slow
//! step of an import); v1 elsewhere. A fresh key per blob (from the random salt) means
//! GCM's 96-bit nonces never repeat under one key. Both are always read.

use std::io::{self, Read, Seek, SeekFrom, Write};

use aes_gcm::Aes256Gcm;
use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The first bytes of a v1 (XChaCha20-Poly1305) sealed blob.
pub const MAGIC: &[u8; 8] = b"SKBLOB1\n";
/// The first bytes of a v2 (AES-256-GCM) sealed blob.
pub const MAGIC_V2: &[u8; 8] = b"SKBLOB2\n";
const MAGIC_LEN: usize = 8;
const V1_HEADER_LEN: usize = MAGIC_LEN + 19;
const V2_HEADER_LEN: usize = MAGIC_LEN + 32;
const V2_INFO: &[u8] = b"safekeep blob v2";
/// Plaintext bytes per chunk.
const CHUNK: usize = 64 << 10;
const TAG: usize = 16;
const MIN_PLAINTEXT: u64 = 1024;

/// Which cipher a sealed blob uses (its first 8 bytes say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `SKBLOB1`: XChaCha20-Poly1305, for CPUs without AES instructions.
    XChaCha20Poly1305,
    /// `SKBLOB2`: AES-256-GCM with a key per blob.
    Aes256Gcm,
}

impl Format {
    /// The format this CPU seals fastest: AES-256-GCM on x86 with AES-NI and CLMUL,
    /// otherwise XChaCha20-Poly1305, which is fast and constant-time in software (ARM is
    /// not detected yet, so it gets XChaCha20-Poly1305).
    pub fn fastest() -> Self {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if std::arch::is_x86_feature_detected!("aes") && std::arch::is_x86_feature_detected!("pclmulqdq") {
            return Self::Aes256Gcm;
        }
        Self::XChaCha20Poly1305
    }

    fn header_len(self) -> usize {
        match self {
            Self::XChaCha20Poly1305 => V1_HEADER_LEN,
            Self::Aes256Gcm => V2_HEADER_LEN,
        }
    }

    fn magic(self) -> &'static [u8; 8] {
        match self {
            Self::XChaCha20Poly1305 => MAGIC,
            Self::Aes256Gcm => MAGIC_V2,
        }
    }
}

/// The key that seals blobs. Zeroed when dropped.
#[derive(Clone)]
pub struct BlobKey(Zeroizing<[u8; 32]>);

impl BlobKey {
    /// Wraps raw key bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    fn stream(&self, format: Format, header: &[u8]) -> Stream {
        let random = &header[MAGIC_LEN..format.header_len()];
        match format {
            Format::XChaCha20Poly1305 => {
                let aead = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]));
                Stream::XChaCha(StreamBE32::from_aead(aead, random.into()))
            }
            Format::Aes256Gcm => {
                let mut okm = Zeroizing::new([0u8; 32 + 7]);
                Hkdf::<Sha256>::new(Some(random), &self.0[..])
                    .expand(V2_INFO, &mut okm[..])
                    .expect("39 bytes is a valid HKDF-SHA-256 length");
                let aead = Aes256Gcm::new(aes_gcm::Key::<Aes256Gcm>::from_slice(&okm[..32]));
                Stream::Aes(Box::new(StreamBE32::from_aead(aead, okm[32..].into())))
            }
        }
    }
}

impl std::fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobKey(…)")
    }
}

/// One blob's STREAM state, for whichever cipher its header names. The AES key
/// schedule is boxed so that a writer stays small to move.
enum Stream {
    XChaCha(StreamBE32<XChaCha20Poly1305>),
    Aes(Box<StreamBE32<Aes256Gcm>>),
}

impl Stream {
    fn encrypt(&self, index: u32, last: bool, aad: &[u8], buf: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Self::XChaCha(s) => s.encrypt_in_place(index, last, aad, buf),
            Self::Aes(s) => s.encrypt_in_place(index, last, aad, buf),
        }
        .map_err(|_| io::Error::other("encryption failed"))
    }

    fn decrypt(&self, index: u32, last: bool, aad: &[u8], buf: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Self::XChaCha(s) => s.decrypt_in_place(index, last, aad, buf),
            Self::Aes(s) => s.decrypt_in_place(index, last, aad, buf),
        }
        .map_err(|_| bad("a chunk does not authenticate"))
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
    stream: Stream,
    header: Vec<u8>,
    buf: Vec<u8>,
    position: u32,
    content: u64,
}

impl<W: Write> SealWriter<W> {
    /// Writes the header to `inner` and starts a sealed blob in the format this CPU
    /// seals fastest.
    pub fn new(inner: W, key: &BlobKey) -> io::Result<Self> {
        Self::with_format(inner, key, Format::fastest())
    }

    /// Writes the header to `inner` and starts a sealed blob in `format`.
    pub fn with_format(mut inner: W, key: &BlobKey, format: Format) -> io::Result<Self> {
        let mut header = vec![0u8; format.header_len()];
        header[..MAGIC_LEN].copy_from_slice(format.magic());
        rand::rng().fill_bytes(&mut header[MAGIC_LEN..]);
        inner.write_all(&header)?;
        Ok(Self {
            inner,
            stream: key.stream(format, &header),
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
            .encrypt(self.position, last, &self.header, &mut self.buf)?;
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
    stream: Stream,
    header: Vec<u8>,
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
        let mut header = vec![0u8; MAGIC_LEN];
        inner
            .read_exact(&mut header)
            .map_err(|_| bad("it is shorter than its header"))?;
        let format = match <&[u8; 8]>::try_from(&header[..]) {
            Ok(MAGIC) => Format::XChaCha20Poly1305,
            Ok(MAGIC_V2) => Format::Aes256Gcm,
            _ => return Err(bad("it does not start like a Safekeep encrypted file")),
        };
        let header_len = format.header_len();
        header.resize(header_len, 0);
        inner
            .read_exact(&mut header[MAGIC_LEN..])
            .map_err(|_| bad("it is shorter than its header"))?;
        let body = file_len - header_len as u64;
        let full = (CHUNK + TAG) as u64;
        let chunks = body.div_ceil(full).max(1);
        let last_len = (body - (chunks - 1) * full) as usize;
        if last_len < TAG + 8 {
            return Err(bad("it was cut short"));
        }
        let chunks = u32::try_from(chunks).map_err(|_| bad("it is impossibly large"))?;
        let mut reader = Self {
            inner,
            stream: key.stream(format, &header),
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
            .seek(SeekFrom::Start(header_len as u64 + u64::from(chunks - 1) * full))?;
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
        if chunks > 1 {
            reader.inner.seek(SeekFrom::Start(header_len as u64))?;
            reader.buf.clear();
            reader.at = 0;
            reader.next = 0;
        }
        // A blob of one chunk (most small files) is read from the chunk just checked,
        // not read and decrypted a second time.
        Ok(reader)
    }

    fn load(&mut self, index: u32) -> io::Result<()> {
        let last = index + 1 == self.chunks;
        let len = if last { self.last_len } else { CHUNK + TAG };
        self.buf.resize(len, 0);
        self.inner
            .read_exact(&mut self.buf)
            .map_err(|_| bad("it was cut short"))?;
        self.stream.decrypt(index, last, &self.header, &mut self.buf)?;
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

    const FORMATS: [Format; 2] = [Format::XChaCha20Poly1305, Format::Aes256Gcm];

    fn seal(data: &[u8], key: &BlobKey, format: Format) -> Vec<u8> {
        let mut w = SealWriter::with_format(Vec::new(), key, format).expect("header");
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
        for format in FORMATS {
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
                let sealed = seal(&data, &key, format);
                assert_eq!(&sealed[..8], format.magic());
                assert_eq!(open(&sealed, &key).expect("open"), data, "{format:?} {len}");
                assert!(
                    !sealed
                        .windows(16.min(len.max(1)))
                        .any(|w| len >= 16 && w == &data[..16])
                );
                let plain = plaintext_len(len as u64);
                assert_eq!(
                    sealed.len() as u64,
                    format.header_len() as u64 + plain + 16 * plain.div_ceil(CHUNK as u64)
                );
            }
        }
    }

    #[test]
    fn rejects_alteration_truncation_and_wrong_key() {
        let key = BlobKey::new([3; 32]);
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 13) as u8).collect();
        for format in FORMATS {
            let sealed = seal(&data, &key, format);
            let header = format.header_len();
            for at in [0, 7, 10, header - 1, header, header + 70_000, sealed.len() - 1] {
                let mut bent = sealed.clone();
                bent[at] ^= 1;
                assert!(open(&bent, &key).is_err(), "{format:?}: flip at {at}");
            }
            for cut in [header + CHUNK + TAG, sealed.len() - 1, 5] {
                assert!(open(&sealed[..cut], &key).is_err(), "{format:?}: cut at {cut}");
            }
            assert!(open(&sealed, &BlobKey::new([4; 32])).is_err());
        }
    }

    /// The same key and salt always give the same blob key and prefix: a change here
    /// would make every stored v2 blob unreadable (test vector in tests/vectors).
    #[test]
    fn v2_key_derivation_is_stable() {
        let vector = include_str!("../tests/vectors/sealed-blob-v2.hex");
        let sealed = hex::decode(vector.trim()).expect("hex");
        let key = BlobKey::new([7; 32]);
        assert_eq!(open(&sealed, &key).expect("open"), b"Safekeep test vector\n");
    }

    #[test]
    fn the_fastest_format_is_written_by_default() {
        let key = BlobKey::new([3; 32]);
        let mut w = SealWriter::new(Vec::new(), &key).expect("header");
        w.write_all(b"x").expect("write");
        let sealed = w.finish().expect("finish");
        assert_eq!(&sealed[..8], Format::fastest().magic());
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
