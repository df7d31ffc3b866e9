//! QR codes: one for short text, an animated sequence of BC-UR fragments
//! for text too long to scan from one code (a large eCash token); and
//! reading one with the camera ([`scan`]).

mod scan;

pub use scan::ScanButton;

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::QrCode;

/// Text up to this many characters is shown as one QR code. Longer codes
/// get dense enough that phone cameras struggle.
const ONE_CODE_LIMIT: usize = 600;

/// How long each fragment of an animated code stays on screen.
const FRAME_MS: u64 = 250;

/// `text` as a QR code, animated through UR fragments when it is long.
#[component]
pub fn Qr(text: String, #[prop(optional, into)] testid: Option<String>) -> impl IntoView {
    let frames = if text.len() <= ONE_CODE_LIMIT {
        vec![qr_svg(&text)]
    } else {
        ur_frames(&text)
    };
    let count = frames.len();
    let frame = RwSignal::new(0usize);
    if count > 1 {
        let handle = set_interval_with_handle(
            move || frame.update(|frame| *frame = (*frame + 1) % count),
            std::time::Duration::from_millis(FRAME_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <div class="qr" data-testid=testid data-frames=count
            inner_html=move || frames.get(frame.get()).cloned().unwrap_or_default()>
        </div>
    }
}

/// Fragments of `text` as BC-UR (`ur:bytes/…`, the text as a CBOR byte
/// string) QR codes, enough of them (fountain-coded) that a scanner joining
/// late still completes.
fn ur_frames(text: &str) -> Vec<String> {
    let message: &minicbor::bytes::ByteSlice = text.as_bytes().into();
    let encoded = minicbor::to_vec(message);
    let Some(mut encoder) = encoded
        .ok()
        .and_then(|message| ur::Encoder::bytes(&message, ONE_CODE_LIMIT / 3).ok())
    else {
        return vec![qr_svg(text)];
    };
    let parts = encoder.fragment_count();
    (0..parts * 2)
        .filter_map(|_| encoder.next_part().ok())
        .map(|part| qr_svg(&part.to_uppercase()))
        .collect()
}

/// `text` as an SVG QR code; empty if it cannot be encoded.
pub fn qr_svg(text: &str) -> String {
    QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}
