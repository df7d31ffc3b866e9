//! The Content-Security-Policy for the app.
//!
//! The policy allows no inline script in general ('unsafe-inline' would let
//! any injected `<script>` steal a wallet). Trunk's build does emit one
//! trusted inline script, the `<script type="module">` that loads the wasm,
//! so the policy allows exactly that script by the SHA-256 of its text.
//!
//! The app connects to secure origins only (`https:`, `wss:`). Plain `ws:`
//! and `http:` to this machine are for `--dev` alone, whose relay listens
//! on loopback without TLS: in production they would let any page script
//! talk to whatever listens on the user's own machine.

use axum::http::HeaderValue;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use sha2::{Digest, Sha256};

/// Builds the policy that lets the inline scripts of `index_html` run, and
/// with `dev` the dev services on loopback be reached.
pub(super) fn content_security_policy(index_html: &[u8], dev: bool) -> HeaderValue {
    let mut script_hashes = Vec::new();
    for script in inline_scripts(index_html) {
        let source = format!("'sha256-{}'", BASE64.encode(Sha256::digest(script)));
        if !script_hashes.contains(&source) {
            script_hashes.push(source);
        }
    }

    let script_src = ["'self'", "'wasm-unsafe-eval'"]
        .into_iter()
        .chain(script_hashes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");

    // NOSTR relays and mints are chosen by the user, so any secure origin is
    // allowed; in dev, the relay on this machine (plain ws:, and NIP-11 over
    // plain http:) too.
    let connect_src = if dev {
        "connect-src 'self' https: wss: ws: http://127.0.0.1:* http://localhost:*"
    } else {
        "connect-src 'self' https: wss:"
    };
    let policy = [
        "default-src 'self'".to_owned(),
        // 'wasm-unsafe-eval' allows compiling WebAssembly, not JS `eval`.
        format!("script-src {script_src}"),
        "style-src 'self'".to_owned(),
        // QR codes and avatars are drawn into data: and blob: URLs.
        "img-src 'self' data: blob:".to_owned(),
        "font-src 'self'".to_owned(),
        connect_src.to_owned(),
        "worker-src 'self'".to_owned(),
        "manifest-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ");

    // Built from ASCII keywords and base64, always a valid header; were it
    // not, the app is refused everything rather than served without a policy.
    HeaderValue::try_from(policy).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// The bodies of the inline scripts (`<script>` tags without `src`) in
/// `html`, byte for byte as the browser hashes them.
///
/// This is a scanner for the HTML Trunk writes, not a general HTML parser: a
/// script inside a comment is still reported, which only adds a harmless hash.
fn inline_scripts(html: &[u8]) -> Vec<&[u8]> {
    const OPEN: &[u8] = b"<script";
    const CLOSE: &[u8] = b"</script";

    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = find_ignore_case(rest, OPEN) {
        let tag = &rest[start + OPEN.len()..];
        // `<scripts>` or `<script-card>` are different elements.
        if !matches!(tag.first(), Some(b) if b.is_ascii_whitespace() || matches!(b, b'>' | b'/')) {
            rest = tag;
            continue;
        }
        let Some(StartTag { len, has_src }) = scan_start_tag(tag) else {
            break; // unterminated tag: nothing after it can run
        };
        let body = &tag[len..];
        let body_len = find_ignore_case(body, CLOSE).unwrap_or(body.len());
        if !has_src {
            scripts.push(&body[..body_len]);
        }
        rest = &body[body_len..];
    }
    scripts
}

/// What matters about a `<script …>` start tag.
struct StartTag {
    /// Bytes up to and including the closing `>`.
    len: usize,
    has_src: bool,
}

/// Scans the attributes of a start tag, given the bytes right after its name,
/// honouring quoted values (which may contain `>`).
fn scan_start_tag(tag: &[u8]) -> Option<StartTag> {
    let is_space = |b: u8| b.is_ascii_whitespace();
    let mut has_src = false;
    let mut i = 0;
    loop {
        i = skip_while(tag, i, |b| is_space(b) || b == b'/');
        if *tag.get(i)? == b'>' {
            return Some(StartTag {
                len: i + 1,
                has_src,
            });
        }

        let name_start = i;
        i = skip_while(tag, i, |b| {
            !(is_space(b) || matches!(b, b'=' | b'>' | b'/'))
        });
        has_src |= tag[name_start..i].eq_ignore_ascii_case(b"src");

        i = skip_while(tag, i, is_space);
        if tag.get(i) != Some(&b'=') {
            continue; // an attribute without a value, like `async`
        }
        i = skip_while(tag, i + 1, is_space);
        match *tag.get(i)? {
            quote @ (b'"' | b'\'') => {
                let value_len = tag[i + 1..].iter().position(|&b| b == quote)?;
                i += 1 + value_len + 1;
            }
            _ => i = skip_while(tag, i, |b| !(is_space(b) || b == b'>')),
        }
    }
}

/// The first index at or after `from` whose byte does not match `pred`.
fn skip_while(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    from + bytes
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| pred(b)).count())
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_for(html: &str) -> String {
        let value = content_security_policy(html.as_bytes(), false);
        value.to_str().map(str::to_owned).unwrap_or_default()
    }

    #[test]
    fn finds_trunk_loader_and_skips_external_scripts() {
        let html = r#"<!DOCTYPE html><html><head>
<script src="/sw-register.js"></script>
<link rel="modulepreload" href="/flash-app-0123456789abcdef.js">
<script type="module">import init from '/flash-app-0123456789abcdef.js';await init();</script>
</head><body></body></html>"#;
        assert_eq!(
            inline_scripts(html.as_bytes()),
            vec![&b"import init from '/flash-app-0123456789abcdef.js';await init();"[..]]
        );
    }

    #[test]
    fn quoted_attribute_values_may_contain_angle_brackets_and_src() {
        let html = r#"<script data-x="a > b" title='src=x'>one()</script>"#;
        assert_eq!(inline_scripts(html.as_bytes()), vec![&b"one()"[..]]);
    }

    #[test]
    fn tag_names_and_src_are_case_insensitive() {
        let html = "<SCRIPT>one()</SCRIPT><Script SRC=/x.js></script><script\n>two()</script >";
        assert_eq!(
            inline_scripts(html.as_bytes()),
            vec![&b"one()"[..], &b"two()"[..]]
        );
    }

    #[test]
    fn other_elements_starting_with_script_are_ignored() {
        let html = "<scripts>no()</scripts><script-card>no()</script-card>";
        assert!(inline_scripts(html.as_bytes()).is_empty());
    }

    #[test]
    fn unterminated_tag_yields_nothing() {
        assert!(inline_scripts(b"<script type=\"module").is_empty());
    }

    #[test]
    fn empty_inline_script_is_still_hashed() {
        assert_eq!(inline_scripts(b"<script></script>"), vec![&b""[..]]);
    }

    #[test]
    fn policy_allows_exactly_the_inline_script() {
        // sha256("alert(1)") in base64, computed independently.
        let policy = policy_for("<script>alert(1)</script>");
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    }

    #[test]
    fn identical_scripts_share_one_hash() {
        let policy = policy_for("<script>a()</script><script>a()</script>");
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
    }

    #[test]
    fn without_inline_scripts_only_self_and_wasm_may_run() {
        let policy = policy_for("<html></html>");
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval'; "),
            "{policy}"
        );
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
    }
}
