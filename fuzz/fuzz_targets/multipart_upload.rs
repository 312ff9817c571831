//! The upload form (`POST /admin/media`, multipart): any body with any
//! boundary is read by the same code the upload route uses, into a form or a
//! clear refusal, never a panic; the file is held to the upload limit.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    boundary: &'a str,
    body: &'a [u8],
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    })
}

fuzz_target!(|input: Input<'_>| {
    let content_type = format!("multipart/form-data; boundary={}", input.boundary);
    let outcome = runtime().block_on(masthead::http::fuzz_upload_form(
        &content_type,
        input.body.to_vec(),
    ));
    if let Ok(size) = outcome {
        assert!(size <= masthead::media::MAX_UPLOAD_BYTES);
    }
});
