//! Decoding pictures for what Safekeep derives from them (PDQ hashes, report images).
//!
//! Derived pictures never replace an original: the original's bytes stay as captured, and
//! anything drawn from them is labelled as a copy. Decoding is bounded, so a hostile file
//! (a "decompression bomb") is refused instead of exhausting memory.

use std::io::{BufRead, Seek};

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageReader, RgbaImage};

/// Largest picture decoded, in pixels (decoding needs about 4 bytes a pixel).
pub const MAX_PIXELS: u64 = 64_000_000;

/// Side, in pixels, of the square a blurred thumbnail fits in.
pub const THUMBNAIL_SIDE: u32 = 160;

/// The long side of the few pixels a blurred thumbnail keeps: at this size faces, bodies
/// and text cannot be made out, while colours and layout still let a reader match the
/// thumbnail to the exhibit.
const BLUR_SIDE: u32 = 12;

/// Decodes a picture. Fails (with a reason in words) on a damaged or unsupported file,
/// or one larger than [`MAX_PIXELS`].
pub fn decode(reader: impl BufRead + Seek) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::new(reader)
        .with_guessed_format()
        .map_err(|e| format!("the picture cannot be read ({e})"))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let picture = reader
        .decode()
        .map_err(|e| format!("the picture cannot be decoded ({e})"))?;
    if u64::from(picture.width()) * u64::from(picture.height()) > MAX_PIXELS {
        return Err(format!(
            "{}×{} pixels is larger than Safekeep decodes",
            picture.width(),
            picture.height()
        ));
    }
    Ok(picture)
}

/// A blurred thumbnail: the picture shrunk to a few pixels, then enlarged smoothly to fit
/// [`THUMBNAIL_SIDE`]. The blur is in the pixels themselves (not a viewer's effect), so no
/// setting of any PDF or image viewer can undo it. Opaque RGBA, aspect ratio kept.
pub fn blurred_thumbnail(picture: &DynamicImage) -> RgbaImage {
    let (w, h) = fit(picture.width(), picture.height(), BLUR_SIDE);
    // `thumbnail` averages whole blocks of pixels: fast on a 12-megapixel photo, and no
    // fine detail survives it.
    let tiny = picture.thumbnail_exact(w, h).into_rgba8();
    let (tw, th) = fit(picture.width(), picture.height(), THUMBNAIL_SIDE);
    let mut out = imageops::resize(&tiny, tw, th, FilterType::Triangle);
    out = imageops::blur(&out, 4.0);
    opaque(out)
}

/// A copy for viewing, at most `side` pixels on its long side (never enlarged).
pub fn viewing_copy(picture: &DynamicImage, side: u32) -> RgbaImage {
    if picture.width().max(picture.height()) <= side {
        return opaque(picture.to_rgba8());
    }
    let (w, h) = fit(picture.width(), picture.height(), side);
    opaque(picture.thumbnail_exact(w, h).into_rgba8())
}

/// Encodes a derived picture (never an original) as a JPEG of quality 90.
pub fn jpeg(picture: &RgbaImage) -> Result<Vec<u8>, String> {
    let rgb = DynamicImage::ImageRgba8(picture.clone()).into_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&rgb)
        .map_err(|e| format!("the copy could not be encoded ({e})"))?;
    Ok(out)
}

/// Width and height that fit a `side`-pixel square with the same aspect ratio (≥ 1).
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let long = w.max(h).max(1) as f64;
    let scale = side as f64 / long;
    let px = |v: u32| ((v as f64 * scale).round() as u32).max(1);
    (px(w), px(h))
}

/// Composites transparency over white: reports print on white paper, and PDF/A prefers
/// opaque images.
fn opaque(mut img: RgbaImage) -> RgbaImage {
    for p in img.pixels_mut() {
        let a = u16::from(p[3]);
        for c in 0..3 {
            p[c] = ((u16::from(p[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
        p[3] = 255;
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkerboard(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgba8(RgbaImage::from_fn(w, h, |x, y| {
            if (x / 2 + y / 2) % 2 == 0 {
                image::Rgba([0, 0, 0, 255])
            } else {
                image::Rgba([255, 255, 255, 255])
            }
        }))
    }

    #[test]
    fn a_thumbnail_keeps_the_aspect_ratio_and_no_fine_detail() {
        let thumb = blurred_thumbnail(&checkerboard(800, 400));
        assert_eq!(thumb.dimensions(), (THUMBNAIL_SIDE, THUMBNAIL_SIDE / 2));
        // A 2-pixel checkerboard averages out to grey: no pixel stays black or white.
        assert!(
            thumb.pixels().all(|p| (90..=165).contains(&p[0])),
            "{:?}",
            thumb.get_pixel(0, 0)
        );
        assert!(thumb.pixels().all(|p| p[3] == 255));
    }

    #[test]
    fn a_viewing_copy_is_shrunk_but_never_enlarged() {
        assert_eq!(
            viewing_copy(&checkerboard(3000, 1500), 1600).dimensions(),
            (1600, 800)
        );
        assert_eq!(
            viewing_copy(&checkerboard(300, 200), 1600).dimensions(),
            (300, 200)
        );
    }

    #[test]
    fn transparency_is_drawn_over_white() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0])));
        assert_eq!(viewing_copy(&clear, 100).get_pixel(3, 3).0, [255, 255, 255, 255]);
    }

    #[test]
    fn garbage_is_refused_in_words() {
        let err = decode(std::io::Cursor::new(b"not a picture".to_vec())).expect_err("garbage is no picture");
        assert!(err.contains("cannot"), "{err}");
    }
}
