//! parse_binary_descriptor never panics; what it reads is written back by
//! `to_binary_descriptor` to bytes that read to the same owner, group and
//! DACL, and its SDDL rendering parses to the same parts.
#![no_main]

use hivetriage::acl::{parse_binary_descriptor, parse_sddl, render_sddl};
use hivetriage::fixture::acl::to_binary_descriptor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(descriptor) = parse_binary_descriptor(data) else {
        return;
    };
    let parts = (&descriptor.owner, &descriptor.group, &descriptor.dacl);

    let rewritten = parse_binary_descriptor(&to_binary_descriptor(&descriptor))
        .unwrap_or_else(|e| panic!("rewritten descriptor does not parse: {e}"));
    assert_eq!((&rewritten.owner, &rewritten.group, &rewritten.dacl), parts);

    let rendered = render_sddl(&descriptor);
    // A descriptor with nothing in it renders as empty text, which is not SDDL.
    if rendered.is_empty() {
        return;
    }
    let again = parse_sddl(&rendered)
        .unwrap_or_else(|e| panic!("rendered {rendered:?} does not parse: {e}"));
    assert_eq!((&again.owner, &again.group, &again.dacl), parts);
});
