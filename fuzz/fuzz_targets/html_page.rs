//! Any text as a bundle's name, computer name, error, check summary,
//! evidence and source name in the HTML report: the markup written for the
//! bundle has the same tags whatever the text, its inline JSON reads back
//! as the report, and `escape` leaves no markup (see `html_check.rs`).
#![no_main]

mod html_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| html_check::check_html_page(data));
