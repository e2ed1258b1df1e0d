//! parse_sddl never panics; what it parses renders back to SDDL that parses
//! to the same descriptor, and its binary form reads back to the same
//! owner, group and DACL.
#![no_main]

use hivetriage::acl::{parse_binary_descriptor, parse_sddl, render_sddl};
use hivetriage::fixture::acl::to_binary_descriptor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(descriptor) = parse_sddl(text) else {
        return;
    };
    let rendered = render_sddl(&descriptor);
    let again = parse_sddl(&rendered)
        .unwrap_or_else(|e| panic!("{text:?} rendered as {rendered:?} does not parse: {e}"));
    assert_eq!(again, descriptor, "{text:?} rendered as {rendered:?}");

    let binary = to_binary_descriptor(&descriptor);
    let read = parse_binary_descriptor(&binary)
        .unwrap_or_else(|e| panic!("{text:?}: written binary does not parse: {e}"));
    assert_eq!(read.owner, descriptor.owner);
    assert_eq!(read.group, descriptor.group);
    assert_eq!(read.dacl, descriptor.dacl);
});
