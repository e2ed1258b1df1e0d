//! parse_binary_descriptor never panics; when it reads a descriptor, the
//! owner and group the `sddl` crate read agree with `Sid::from_binary` at
//! the same offsets, and the SDDL rendering parses to the same parts.
#![no_main]

use hivetriage::acl::{Sid, parse_binary_descriptor, parse_sddl, render_sddl};
use libfuzzer_sys::fuzz_target;

fn sid_at(data: &[u8], at: usize) -> Option<Sid> {
    let offset = u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    if offset == 0 {
        return None;
    }
    Some(
        Sid::from_binary(&data[offset..])
            .expect("the reader accepted it")
            .0,
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(descriptor) = parse_binary_descriptor(data) else {
        return;
    };
    assert_eq!(descriptor.owner, sid_at(data, 4), "owner");
    assert_eq!(descriptor.group, sid_at(data, 8), "group");
    let rendered = render_sddl(&descriptor);
    let again = parse_sddl(&rendered);
    // A descriptor with nothing in it renders as empty text, which is not SDDL.
    if rendered.is_empty() {
        return;
    }
    let again = again.unwrap_or_else(|e| panic!("rendered {rendered:?} does not parse: {e}"));
    assert_eq!(again.owner, descriptor.owner);
    assert_eq!(again.group, descriptor.group);
    assert_eq!(again.dacl, descriptor.dacl);
});
