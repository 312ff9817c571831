//! The image pipeline, pure and synchronous (callers run it on a blocking
//! thread): sniff the real format from the bytes, enforce the size and pixel
//! limits before any pixel is decoded, decode under `image::Limits`, apply
//! the EXIF orientation, re-encode a normalized original (which drops EXIF,
//! GPS and every other metadata block) and resize derivatives as JPEG and
//! lossy WebP. The content hash is taken over the normalized original.

use std::io::Cursor;

use fast_image_resize::images::Image as ResizeImage;
use fast_image_resize::{IntoImageView, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::webp;
use super::{DerivativeFormat, MediaError};

/// Largest upload accepted, in bytes (20 MiB).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Largest image accepted, in pixels (40 megapixels), read from the header.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 16_000;
/// Most memory a decoder may allocate.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Widths of the derivatives; never wider than the image itself.
pub const DERIVATIVE_WIDTHS: [u32; 4] = [320, 640, 1024, 1600];
const ORIGINAL_JPEG_QUALITY: u8 = 90;
const JPEG_QUALITY: u8 = 82;
const WEBP_QUALITY: f32 = 75.0;

/// An upload format, as its bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl SourceFormat {
    fn image_format(self) -> ImageFormat {
        match self {
            SourceFormat::Jpeg => ImageFormat::Jpeg,
            SourceFormat::Png => ImageFormat::Png,
            SourceFormat::Webp => ImageFormat::WebP,
            SourceFormat::Gif => ImageFormat::Gif,
        }
    }
}

/// The format the file's magic bytes announce, whatever its name says.
pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(SourceFormat::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(SourceFormat::Gif)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(SourceFormat::Webp)
    } else {
        None
    }
}

/// Refuses an image whose header announces more pixels than the limits allow.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), MediaError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(MediaError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(MediaError::Unreadable("the image has no pixels".into()));
    }
    Ok(())
}

/// The memory decoding and resizing an upload will take at most, read from
/// its header alone (nothing is decoded): the decoded pixels, and as much
/// again twice over for the copies the pipeline holds at once (the image
/// converted or rotated, the widest derivative and the encoders' buffers).
/// An image over the pixel limits is refused here, before any memory is
/// reserved for it.
pub(super) fn memory_needed(bytes: &[u8]) -> Result<u64, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let format = sniff(bytes).ok_or(MediaError::NotAnImage)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoder = reader
        .into_decoder()
        .map_err(|e| MediaError::Unreadable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    Ok(decoder.total_bytes().saturating_mul(3))
}

/// An encoded file ready to store.
#[derive(Debug, Clone)]
#[cfg_attr(not(fuzzing), allow(unreachable_pub))]
pub struct Encoded {
    pub width: u32,
    pub height: u32,
    /// `jpg`, `webp` or `png`.
    pub ext: &'static str,
    pub bytes: Vec<u8>,
}

/// What the pipeline made of one upload.
#[derive(Debug, Clone)]
#[cfg_attr(not(fuzzing), allow(unreachable_pub))]
pub struct Processed {
    /// SHA-256 of the normalized original, lowercase hex.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub original: Encoded,
    pub derivatives: Vec<(DerivativeFormat, Encoded)>,
}

/// Runs the whole pipeline on an upload.
// `pub` for the fuzz targets, which reach it as `media::process_image`.
#[cfg_attr(not(fuzzing), allow(unreachable_pub))]
pub fn process(bytes: &[u8]) -> Result<Processed, MediaError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge { size: bytes.len() });
    }
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let format = sniff(bytes).ok_or(MediaError::NotAnImage)?;
    let image = decode(bytes, format)?;
    let keep_lossless =
        image.color().has_alpha() || matches!(format, SourceFormat::Png | SourceFormat::Gif);
    let image = if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.into_rgb8())
    };
    let (width, height) = (image.width(), image.height());
    let original = if keep_lossless {
        Encoded {
            width,
            height,
            ext: "png",
            bytes: encode_png(&image)?,
        }
    } else {
        Encoded {
            width,
            height,
            ext: "jpg",
            bytes: encode_jpeg(&image, ORIGINAL_JPEG_QUALITY)?,
        }
    };
    let hash = hex(&Sha256::digest(&original.bytes));
    let mut derivatives = Vec::new();
    for target in derivative_widths(width) {
        let resized = resize(&image, target)?;
        let (w, h) = (resized.width(), resized.height());
        derivatives.push((
            DerivativeFormat::Jpeg,
            Encoded {
                width: w,
                height: h,
                ext: "jpg",
                bytes: encode_jpeg(&resized, JPEG_QUALITY)?,
            },
        ));
        let (pixels, channels) = match &resized {
            DynamicImage::ImageRgba8(buffer) => (buffer.as_raw().as_slice(), 4),
            other => (other.as_bytes(), 3),
        };
        let bytes = webp::encode_lossy(pixels, w, h, channels, WEBP_QUALITY)
            .map_err(|e| MediaError::Encode(e.to_string()))?;
        derivatives.push((
            DerivativeFormat::Webp,
            Encoded {
                width: w,
                height: h,
                ext: "webp",
                bytes,
            },
        ));
    }
    Ok(Processed {
        hash,
        width,
        height,
        original,
        derivatives,
    })
}

/// The derivative widths for an image `width` pixels wide: the standard
/// widths narrower than it, plus its own width when it is narrower than the
/// widest standard one (so a small image still gets one full-size copy).
pub(super) fn derivative_widths(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = DERIVATIVE_WIDTHS
        .iter()
        .copied()
        .filter(|w| *w < width)
        .collect();
    let widest = DERIVATIVE_WIDTHS[DERIVATIVE_WIDTHS.len() - 1];
    widths.push(width.min(widest));
    widths
}

/// Decodes under limits; the pixel limit is checked from the header first.
fn decode(bytes: &[u8], format: SourceFormat) -> Result<DynamicImage, MediaError> {
    let unreadable = |e: image::ImageError| MediaError::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    // Constructing a decoder reads only the header. Width and height limits
    // stay off here so that our own check below names the pixel limit.
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits.reserve(decoder.total_bytes()).map_err(unreadable)?;
    decoder.set_limits(limits).map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Resizes to `target` pixels wide, keeping the aspect ratio.
fn resize(image: &DynamicImage, target: u32) -> Result<DynamicImage, MediaError> {
    let (width, height) = (image.width(), image.height());
    if target == width {
        return Ok(image.clone());
    }
    let target_height = ((u64::from(height) * u64::from(target) + u64::from(width) / 2)
        / u64::from(width))
    .max(1) as u32;
    let pixel_type = image.pixel_type().unwrap_or(PixelType::U8x3);
    let mut out = ResizeImage::new(target, target_height, pixel_type);
    Resizer::new()
        .resize(
            image,
            &mut out,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(
                fast_image_resize::FilterType::Lanczos3,
            )),
        )
        .map_err(|e| MediaError::Encode(format!("resize: {e}")))?;
    let buffer = out.into_vec();
    let resized = if pixel_type == PixelType::U8x4 {
        image::RgbaImage::from_raw(target, target_height, buffer).map(DynamicImage::ImageRgba8)
    } else {
        image::RgbImage::from_raw(target, target_height, buffer).map(DynamicImage::ImageRgb8)
    };
    resized.ok_or_else(|| MediaError::Encode("resize produced a short buffer".into()))
}

fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, MediaError> {
    // JPEG has no transparency: flatten onto white.
    let rgb = match image {
        DynamicImage::ImageRgba8(rgba) => {
            let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
            for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
                let [r, g, b, a] = pixel.0;
                let blend = |c: u8| {
                    ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8
                };
                out.0 = [blend(r), blend(g), blend(b)];
            }
            rgb
        }
        other => other.to_rgb8(),
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| MediaError::Encode(e.to_string()))?;
    Ok(bytes)
}

fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, MediaError> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            image.as_bytes(),
            image.width(),
            image.height(),
            image.color().into(),
        )
        .map_err(|e| MediaError::Encode(e.to_string()))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        encode_png(&image).unwrap()
    }

    #[test]
    fn formats_are_recognised_by_their_bytes_not_their_names() {
        assert_eq!(sniff(&png(2, 2)), Some(SourceFormat::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(SourceFormat::Jpeg));
        assert_eq!(sniff(b"GIF89a...."), Some(SourceFormat::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(SourceFormat::Webp));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"hello, I am a text file named photo.jpg"), None);
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
    }

    #[test]
    fn the_pixel_limit_counts_pixels_and_sides() {
        assert!(check_dimensions(8000, 5000).is_ok());
        assert!(matches!(
            check_dimensions(8000, 5001),
            Err(MediaError::TooManyPixels { .. })
        ));
        assert!(matches!(
            check_dimensions(100_000, 100_000),
            Err(MediaError::TooManyPixels { .. })
        ));
        assert!(matches!(
            check_dimensions(20_000, 10),
            Err(MediaError::TooManyPixels { .. })
        ));
        let message = check_dimensions(100_000, 100_000).unwrap_err().to_string();
        assert!(message.contains("40 megapixels"), "{message}");
    }

    #[test]
    fn derivatives_are_never_wider_than_the_image() {
        assert_eq!(derivative_widths(4000), vec![320, 640, 1024, 1600, 1600]);
        assert_eq!(derivative_widths(800), vec![320, 640, 800]);
        assert_eq!(derivative_widths(200), vec![200]);
        assert_eq!(derivative_widths(1600), vec![320, 640, 1024, 1600]);
    }

    #[test]
    fn an_upload_over_the_size_limit_is_refused_before_it_is_read() {
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        let error = process(&big).unwrap_err();
        assert!(matches!(error, MediaError::TooLarge { .. }));
        assert!(error.to_string().contains("20 MiB"), "{error}");
    }

    #[test]
    fn a_png_gets_a_lossless_original_and_jpeg_and_webp_derivatives() {
        let processed = process(&png(700, 350)).unwrap();
        assert_eq!((processed.width, processed.height), (700, 350));
        assert_eq!(processed.original.ext, "png");
        assert_eq!(processed.hash.len(), 64);
        let sizes: Vec<_> = processed
            .derivatives
            .iter()
            .map(|(f, e)| (*f, e.width, e.height))
            .collect();
        assert_eq!(
            sizes,
            vec![
                (DerivativeFormat::Jpeg, 320, 160),
                (DerivativeFormat::Webp, 320, 160),
                (DerivativeFormat::Jpeg, 640, 320),
                (DerivativeFormat::Webp, 640, 320),
                (DerivativeFormat::Jpeg, 700, 350),
                (DerivativeFormat::Webp, 700, 350),
            ]
        );
        // The same bytes always give the same hash (content addressing).
        assert_eq!(process(&png(700, 350)).unwrap().hash, processed.hash);
    }
}
