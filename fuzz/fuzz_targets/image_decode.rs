//! Uploaded bytes through the image pipeline: any file is either an image
//! within the limits (dimensions checked before decoding) or a clear
//! refusal, never a panic or an unbounded allocation (libFuzzer's
//! `-rss_limit_mb` turns one into a crash).
#![no_main]

use libfuzzer_sys::fuzz_target;
use masthead::media;

fuzz_target!(|bytes: &[u8]| {
    match media::process_image(bytes) {
        Ok(image) => {
            assert!(media::check_dimensions(image.width, image.height).is_ok());
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
