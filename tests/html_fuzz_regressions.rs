//! The `html_page` fuzz target's checks (`fuzz/fuzz_targets/html_check.rs`)
//! on hostile texts written by hand (markup, a script end tag inside JSON,
//! comment openers, quotes, entities, controls, a right-to-left override,
//! folder separators), then on every input saved under
//! `tests/fuzz-regressions/html_page/` (inputs that once made the target
//! fail).

#[path = "../fuzz/fuzz_targets/html_check.rs"]
mod html_check;

#[test]
fn hostile_texts_keep_the_pages_markup_and_read_back() {
    let texts = [
        "<script>alert(1)</script>",
        "cases/</script><script>alert(2)</script>.zip",
        "<!--<script>",
        "\"' onmouseover=alert(3) x='",
        "&lt;b&gt; &amp;amp; &#60;",
        "a\u{1b}[31mred\u{7}\r\nline\u{85}\u{0}",
        "invoice\u{202e}fdp.exe\u{2066}",
        "C:\\cases\\case 1\\",
        "</",
        "",
    ];
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i..] {
            let mut data = Vec::new();
            for part in [a, b, a, b, a, b] {
                data.extend_from_slice(part.as_bytes());
                data.push(0xff);
            }
            html_check::check_html_page(&data);
        }
    }
}

#[test]
fn html_page_regressions() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/html_page");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no saved inputs in {}", dir.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| html_check::check_html_page(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
    }
}
