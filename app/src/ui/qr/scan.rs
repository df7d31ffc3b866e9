//! Reading a QR code with the camera: the video is sampled a few times a
//! second and decoded in this page's wasm (rqrr), so no image leaves the
//! device and nothing depends on the browser's own barcode support.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream};

use crate::engine::describe;

/// How often a frame of the video is looked at.
const SAMPLE_MS: u64 = 200;

/// The most parts an animated code may claim. A large eCash token needs
/// tens; the fountain decoder's work and memory grow with the count a code
/// claims (as its square, for mixed parts), so a crafted code claiming
/// millions would freeze the page.
const MAX_PARTS: usize = 1000;

/// A "Scan QR code" button that opens the camera and hands over the text
/// of the first code it reads.
#[component]
pub fn ScanButton(on_scan: Callback<String>) -> impl IntoView {
    let scanning = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let video = NodeRef::<leptos::html::Video>::new();
    let stream = StoredValue::new_local(None::<MediaStream>);
    // The fragments of an animated code read so far.
    let fragments = StoredValue::new_local(ur::Decoder::default());
    let reading_animation = RwSignal::new(false);
    // Turns the camera off (its light too) and hides the video.
    let stop = move || {
        stream.update_value(|stream| {
            if let Some(stream) = stream.take() {
                for track in stream.get_tracks().iter() {
                    if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                        track.stop();
                    }
                }
            }
        });
        fragments.set_value(ur::Decoder::default());
        reading_animation.set(false);
        scanning.set(false);
    };
    on_cleanup(stop);
    let start = move |_| {
        problem.set(None);
        scanning.set(true);
        leptos::task::spawn_local(async move {
            match open_camera().await {
                Ok(opened) => {
                    if let Some(element) = video.get_untracked() {
                        element.set_src_object(Some(&opened));
                        let _ = element.play();
                    }
                    stream.set_value(Some(opened));
                }
                Err(reason) => {
                    problem.set(Some(reason));
                    scanning.set(false);
                }
            }
        });
    };
    // Looks at the video while scanning; the first code read ends it.
    let sampler = set_interval_with_handle(
        move || {
            if !scanning.get_untracked() {
                return;
            }
            let Some(element) = video.get_untracked() else {
                return;
            };
            let Some(code) = read_frame(&element) else {
                return;
            };
            match fragments.try_update_value(|fragments| whole_text(&code, fragments)) {
                Some(Read::Whole(text)) => {
                    stop();
                    on_scan.run(text);
                }
                Some(Read::Fragment) => reading_animation.set(true),
                Some(Read::TooManyParts(claimed)) => {
                    stop();
                    problem.set(Some(format!(
                        "This animated code claims {claimed} parts; a payment or token needs at \
                         most {MAX_PARTS}, so it was not read"
                    )));
                }
                _ => {}
            }
        },
        std::time::Duration::from_millis(SAMPLE_MS),
    );
    if let Ok(sampler) = sampler {
        on_cleanup(move || sampler.clear());
    }
    view! {
        <div class="scan">
            <Show
                when=move || scanning.get()
                fallback=move || view! { <button class="button secondary" type="button" on:click=start>"Scan QR code"</button> }
            >
                <button class="button secondary" type="button" on:click=move |_| stop()>"Stop scanning"</button>
            </Show>
            <video node_ref=video class="scan-video" data-testid="scan-video" muted=true playsinline=true
                hidden=move || !scanning.get()></video>
            {move || reading_animation.get().then(|| view! { <p class="hint" role="status">"Reading an animated code: hold steady…"</p> })}
            {move || problem.get().map(|problem| view! { <p class="error" role="alert">{problem}</p> })}
        </div>
    }
}

/// The back camera's video, or why there is none.
async fn open_camera() -> Result<MediaStream, String> {
    let devices = window()
        .navigator()
        .media_devices()
        .map_err(|_| "This browser cannot use a camera here.".to_owned())?;
    let constraints = web_sys::MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &"environment".into());
    constraints.set_video(&video);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|error| format!("The camera could not be opened: {}", describe(&error)))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|error| format!("The camera could not be opened: {}", describe(&error)))?;
    stream
        .dyn_into::<MediaStream>()
        .map_err(|_| "The camera gave no video.".to_owned())
}

/// The text of a QR code in the video's current frame, if one is readable.
fn read_frame(video: &HtmlVideoElement) -> Option<String> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 {
        return None;
    }
    let canvas: HtmlCanvasElement = document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_html_video_element(video, 0.0, 0.0)
        .ok()?;
    let pixels = context
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .ok()?
        .data();
    let (width, height) = (width as usize, height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let at = (y * width + x) * 4;
        let channel = |offset: usize| u32::from(pixels.get(at + offset).copied().unwrap_or(0));
        // Luma from RGBA (BT.601 weights, in 8-bit fixed point).
        ((channel(0) * 77 + channel(1) * 150 + channel(2) * 29) >> 8) as u8
    });
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// What one code read amounts to.
enum Read {
    /// The whole text (a plain code, or the last fragment needed).
    Whole(String),
    /// A fragment of an animated code: keep reading.
    Fragment,
    /// Nothing usable (a broken or foreign fragment).
    Nothing,
    /// A fragment claiming more parts than [`MAX_PARTS`]: refused unread.
    TooManyParts(usize),
}

/// How many parts the fragment `ur:bytes/SEQ-COUNT/…` says its message
/// has; `None` for a single-part code or one without a readable count (the
/// decoder refuses those). A count too large for `usize` claims the most.
fn claimed_parts(code: &str) -> Option<usize> {
    let (indices, _) = code.strip_prefix("ur:bytes/")?.split_once('/')?;
    let (_, count) = indices.split_once('-')?;
    if count.is_empty() || !count.bytes().all(|digit| digit.is_ascii_digit()) {
        return None;
    }
    Some(count.parse().unwrap_or(usize::MAX))
}

/// Adds `code` to what has been read: a plain code is whole; a BC-UR
/// fragment (`ur:bytes/…`, a CBOR byte string) joins the others until the
/// message is complete.
fn whole_text(code: &str, fragments: &mut ur::Decoder) -> Read {
    let lower = code.to_ascii_lowercase();
    if !lower.starts_with("ur:bytes/") {
        return Read::Whole(code.to_owned());
    }
    // `ur:bytes/SEQ-COUNT/…`: checked before any decoding (the decoder
    // refuses a fragment whose own count differs from its address's).
    if let Some(claimed) = claimed_parts(&lower).filter(|claimed| *claimed > MAX_PARTS) {
        return Read::TooManyParts(claimed);
    }
    let message = match ur::decode(&lower) {
        Ok((ur::ur::Kind::SinglePart, message)) => message,
        Ok(_) => {
            if fragments.receive(&lower).is_err() {
                return Read::Nothing;
            }
            match fragments.message() {
                Ok(Some(message)) => message,
                _ => return Read::Fragment,
            }
        }
        Err(_) => return Read::Nothing,
    };
    match minicbor::decode::<&minicbor::bytes::ByteSlice>(&message) {
        Ok(bytes) => match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Read::Whole(text),
            Err(_) => Read::Nothing,
        },
        Err(_) => Read::Nothing,
    }
}
