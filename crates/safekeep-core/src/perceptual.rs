//! PDQ perceptual hashes of image evidence (docs/perceptual-hashes.md).
//!
//! PDQ is Meta's 256-bit image hash, the one StopNCII and platforms' hash-sharing
//! programmes use: visually similar images (resized, recompressed, lightly edited) have
//! hashes a small Hamming distance apart. Computed here, on this computer, from the
//! stored original; never sent anywhere. The hash itself comes from the `pdqhash` crate
//! (a port that is bit-for-bit equal to Meta's reference; the tests check it against
//! PyPI `pdqhash`), on the full-size image as the reference hashes it: decoded to 8-bit
//! RGB (alpha dropped), luminance 0.299 R + 0.587 G + 0.114 B.

use std::io::{BufRead, Seek};

/// Hamming distance at or below which two PDQ hashes are taken as the same picture:
/// Meta's recommended matching threshold (31 of 256 bits).
pub const MATCH_DISTANCE: u32 = 31;

/// Largest picture hashed, in pixels (decoding needs about 3 bytes and hashing about 8
/// bytes per pixel). Larger originals are kept but not hashed.
pub const MAX_PIXELS: u64 = crate::picture::MAX_PIXELS;

/// A PDQ hash and its quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pdq {
    /// The 256 bits, in the reference's byte order (as its hex form reads).
    pub hash: [u8; 32],
    /// 0–100: how much detail the picture has; below 50 matches are unreliable
    /// (Meta's guidance). Computed from the same 64×64 buffer as the hash.
    pub quality: u8,
}

impl Pdq {
    /// The 64 lowercase hex characters the reference prints.
    pub fn hex(&self) -> String {
        hex::encode(self.hash)
    }

    /// Parses 64 hex characters.
    pub fn from_hex(text: &str, quality: u8) -> Option<Self> {
        let hash = hex::decode(text).ok()?.try_into().ok()?;
        Some(Self { hash, quality })
    }

    /// Bits that differ.
    pub fn distance(&self, other: &Pdq) -> u32 {
        self.hash
            .iter()
            .zip(&other.hash)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }
}

/// Whether a media type is a picture PDQ can hash.
pub fn is_hashable(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp" | "image/tiff"
    )
}

/// Decodes a picture and computes its PDQ hash. Fails (with a reason in words) on a
/// damaged or unsupported file, or one larger than [`MAX_PIXELS`].
pub fn pdq_of(reader: impl BufRead + Seek) -> Result<Pdq, String> {
    let picture = crate::picture::decode(reader)?;
    let (w, h) = (picture.width(), picture.height());
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w < 5 || h < 5 {
        return Err(format!("{w}×{h} pixels is outside what PDQ hashes"));
    }
    pdq_of_rgb(w, h, picture.into_rgb8().into_raw())
}

/// Computes the PDQ hash of decoded 8-bit RGB pixels (`width × height × 3` bytes).
pub fn pdq_of_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Result<Pdq, String> {
    let buffer = pdqhash::image::RgbImage::from_raw(width, height, rgb)
        .ok_or("the decoded picture has the wrong size")?;
    let (hash, quality) = pdqhash::generate_pdq_full_size(&pdqhash::image::DynamicImage::ImageRgb8(buffer));
    Ok(Pdq {
        hash,
        quality: (quality.clamp(0.0, 1.0) * 100.0).round() as u8,
    })
}
