//! Lossy WebP encoding through libwebp (libwebp-sys bundles libwebp 1.6). The
//! `image` crate only writes lossless WebP, which is larger than a JPEG for
//! photographs; lossy WebP is what makes the format worth serving. This is
//! the crate's only `unsafe` code: one call into libwebp's simple encoding
//! API and the matching free. Decoding never goes through libwebp: uploads
//! are read by the pure-Rust decoders only.
#![allow(unsafe_code)]

use std::ffi::c_int;

/// Why libwebp could not encode an image.
#[derive(Debug, thiserror::Error)]
pub(super) enum WebpError {
    #[error("image of {width}x{height} is too large for WebP (at most 16383 pixels a side)")]
    TooLarge { width: u32, height: u32 },
    #[error("pixel buffer holds {actual} bytes, expected {expected}")]
    BufferSize { expected: usize, actual: usize },
    #[error("libwebp failed to encode the image")]
    Failed,
}

/// Encodes 8-bit RGB (`channels` = 3) or RGBA (`channels` = 4) pixels, rows
/// packed without padding, as lossy WebP at `quality` (0-100).
pub(super) fn encode_lossy(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: u8,
    quality: f32,
) -> Result<Vec<u8>, WebpError> {
    const MAX_SIDE: u32 = 16383;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(WebpError::TooLarge { width, height });
    }
    let stride = width as usize * channels as usize;
    let expected = stride * height as usize;
    if pixels.len() != expected || !(channels == 3 || channels == 4) {
        return Err(WebpError::BufferSize {
            expected,
            actual: pixels.len(),
        });
    }
    let (w, h, s) = (width as c_int, height as c_int, stride as c_int);
    let mut output: *mut u8 = std::ptr::null_mut();
    // SAFETY: `pixels` holds exactly `height` rows of `stride` bytes (checked
    // above) and outlives the call; libwebp only reads it. On success libwebp
    // allocates `size` bytes at `output`, which we copy and then release with
    // `WebPFree`, the deallocator that matches libwebp's allocator.
    let size = unsafe {
        if channels == 4 {
            libwebp_sys::WebPEncodeRGBA(pixels.as_ptr(), w, h, s, quality, &mut output)
        } else {
            libwebp_sys::WebPEncodeRGB(pixels.as_ptr(), w, h, s, quality, &mut output)
        }
    };
    if output.is_null() {
        return Err(WebpError::Failed);
    }
    // SAFETY: libwebp returned a buffer of `size` bytes at `output` (non-null).
    let bytes = unsafe { std::slice::from_raw_parts(output, size) }.to_vec();
    // SAFETY: `output` came from libwebp and is freed exactly once.
    unsafe { libwebp_sys::WebPFree(output.cast()) };
    if size == 0 {
        return Err(WebpError::Failed);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rgb_image_becomes_a_riff_webp_file() {
        let pixels = vec![200u8; 16 * 8 * 3];
        let bytes = encode_lossy(&pixels, 16, 8, 3, 75.0).unwrap();
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WEBP");
    }

    #[test]
    fn a_buffer_of_the_wrong_size_is_refused_before_calling_libwebp() {
        assert!(matches!(
            encode_lossy(&[0u8; 10], 16, 8, 3, 75.0),
            Err(WebpError::BufferSize { .. })
        ));
        assert!(matches!(
            encode_lossy(&[], 0, 8, 3, 75.0),
            Err(WebpError::TooLarge { .. })
        ));
    }
}
