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

/// A "Scan QR code" button that opens the camera and hands over the text
/// of the first code it reads.
#[component]
pub fn ScanButton(on_scan: Callback<String>) -> impl IntoView {
    let scanning = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let video = NodeRef::<leptos::html::Video>::new();
    let stream = StoredValue::new_local(None::<MediaStream>);
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
            if let Some(text) = read_frame(&element) {
                stop();
                on_scan.run(text);
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
