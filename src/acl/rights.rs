//! File access rights: names, the generic mapping, and words for reports.

pub const FILE_READ_DATA: u32 = 0x1;
pub const FILE_ADD_FILE: u32 = 0x2;
pub const FILE_ADD_SUBDIRECTORY: u32 = 0x4;
pub const FILE_READ_EA: u32 = 0x8;
pub const FILE_WRITE_EA: u32 = 0x10;
pub const FILE_TRAVERSE: u32 = 0x20;
pub const FILE_DELETE_CHILD: u32 = 0x40;
pub const FILE_READ_ATTRIBUTES: u32 = 0x80;
pub const FILE_WRITE_ATTRIBUTES: u32 = 0x100;
pub const DELETE: u32 = 0x10000;
pub const READ_CONTROL: u32 = 0x20000;
pub const WRITE_DAC: u32 = 0x40000;
pub const WRITE_OWNER: u32 = 0x80000;
pub const SYNCHRONIZE: u32 = 0x100000;
pub const ACCESS_SYSTEM_SECURITY: u32 = 0x0100_0000;
pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
pub const GENERIC_ALL: u32 = 0x1000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;
pub const FILE_ALL_ACCESS: u32 = 0x1F01FF;
pub const FILE_GENERIC_READ: u32 = 0x120089;
pub const FILE_GENERIC_WRITE: u32 = 0x120116;
pub const FILE_GENERIC_EXECUTE: u32 = 0x1200A0;
/// icacls `M`, cacls `C`: read, write, execute and delete.
pub const FILE_MODIFY: u32 = 0x1301BF;
/// icacls `RX`, cacls `R`.
pub const FILE_READ_EXECUTE: u32 = 0x1200A9;
/// NT 4.0's directory permission "Add" (W and X on the folder itself).
pub const NT4_ADD: u32 = 0x1201B6;

/// Each right's name (the directory meaning, as a folder ACL grants it),
/// its SDDL letters and its words for people (the rights a folder's owner
/// can grant), in bit order: the one table of the rights, which the
/// reports' texts are derived from.
const BITS: &[(u32, &str, &str, &str)] = &[
    (
        0x1,
        "FILE_LIST_DIRECTORY",
        "CC",
        "list the folder / read file data",
    ),
    (
        FILE_ADD_FILE,
        "FILE_ADD_FILE",
        "DC",
        "create files / write file data",
    ),
    (
        FILE_ADD_SUBDIRECTORY,
        "FILE_ADD_SUBDIRECTORY",
        "LC",
        "create subfolders / append file data",
    ),
    (
        FILE_READ_EA,
        "FILE_READ_EA",
        "SW",
        "read extended attributes",
    ),
    (
        FILE_WRITE_EA,
        "FILE_WRITE_EA",
        "RP",
        "write extended attributes",
    ),
    (FILE_TRAVERSE, "FILE_TRAVERSE", "WP", "traverse / execute"),
    (
        FILE_DELETE_CHILD,
        "FILE_DELETE_CHILD",
        "DT",
        "delete what the folder holds",
    ),
    (
        FILE_READ_ATTRIBUTES,
        "FILE_READ_ATTRIBUTES",
        "LO",
        "read attributes",
    ),
    (
        FILE_WRITE_ATTRIBUTES,
        "FILE_WRITE_ATTRIBUTES",
        "CR",
        "write attributes",
    ),
    (DELETE, "DELETE", "SD", "delete"),
    (READ_CONTROL, "READ_CONTROL", "RC", "read permissions"),
    (WRITE_DAC, "WRITE_DAC", "WD", "change permissions"),
    (WRITE_OWNER, "WRITE_OWNER", "WO", "take ownership"),
    (SYNCHRONIZE, "SYNCHRONIZE", "", "synchronize"),
    (ACCESS_SYSTEM_SECURITY, "ACCESS_SYSTEM_SECURITY", "", ""),
    (MAXIMUM_ALLOWED, "MAXIMUM_ALLOWED", "", ""),
    (GENERIC_ALL, "GENERIC_ALL", "GA", ""),
    (GENERIC_EXECUTE, "GENERIC_EXECUTE", "GX", ""),
    (GENERIC_WRITE, "GENERIC_WRITE", "GW", ""),
    (GENERIC_READ, "GENERIC_READ", "GR", ""),
];

/// Names of the rights in `mask`, one per bit, in bit order (bits without a
/// name are left out: see [`unnamed_bits`]).
pub fn describe(mask: u32) -> Vec<&'static str> {
    BITS.iter()
        .filter(|(bit, ..)| mask & bit != 0)
        .map(|(_, name, ..)| *name)
        .collect()
}

/// The bits of `mask` that [`describe`] has no name for.
pub fn unnamed_bits(mask: u32) -> u32 {
    BITS.iter().fold(mask, |rest, (bit, ..)| rest & !bit)
}

/// The word a support engineer knows for a whole mask, if it has one.
pub fn common_name(mask: u32) -> Option<&'static str> {
    match mask {
        FILE_ALL_ACCESS => Some("full control (FA)"),
        FILE_MODIFY => Some("modify (M)"),
        FILE_READ_EXECUTE => Some("read & execute (RX)"),
        FILE_GENERIC_READ => Some("read (FR)"),
        FILE_GENERIC_WRITE => Some("write (FW)"),
        FILE_GENERIC_EXECUTE => Some("execute (FX)"),
        NT4_ADD => Some("NT 4.0 Add (WX)"),
        GENERIC_ALL => Some("generic all (GA)"),
        _ => None,
    }
}

/// SDDL-style letters for a mask: `FA`, `FR`, `FW`, `FX` when it is exactly
/// one of those, else the letters of its bits (`GRGX`, `RCWD`...), else
/// (bits without letters, such as SYNCHRONIZE) its `0x` number.
pub fn sddl_letters(mask: u32) -> String {
    match mask {
        FILE_ALL_ACCESS => return "FA".into(),
        FILE_GENERIC_READ => return "FR".into(),
        FILE_GENERIC_WRITE => return "FW".into(),
        FILE_GENERIC_EXECUTE => return "FX".into(),
        _ => {}
    }
    let lettered = BITS
        .iter()
        .filter(|(_, _, letters, _)| !letters.is_empty())
        .fold(0, |acc, (bit, ..)| acc | bit);
    if mask == 0 || mask & !lettered != 0 {
        return format!("0x{mask:x}");
    }
    BITS.iter()
        .rev()
        .filter(|(bit, _, letters, _)| mask & bit != 0 && !letters.is_empty())
        .map(|(_, _, letters, _)| *letters)
        .collect()
}

/// `0x1201b6 (NT 4.0 Add (WX): FILE_ADD_FILE, ...)` for reports.
pub fn format_mask(mask: u32) -> String {
    let mut words = describe(mask).join(", ");
    let unnamed = unnamed_bits(mask);
    if unnamed != 0 {
        if !words.is_empty() {
            words.push_str(", ");
        }
        words.push_str(&format!("0x{unnamed:x}"));
    }
    match common_name(mask) {
        Some(name) => format!("0x{mask:x} ({name}: {words})"),
        None if words.is_empty() => format!("0x{mask:x}"),
        None => format!("0x{mask:x} ({words})"),
    }
}

/// Right names as the Win32 headers spell them, which is how cacls lists a
/// mask under `(special access:)`. Directory aliases (`FILE_ADD_FILE`...)
/// and the composite names are accepted too when reading.
const WIN32_NAMES: &[(&str, u32)] = &[
    ("FILE_READ_DATA", FILE_READ_DATA),
    ("FILE_LIST_DIRECTORY", FILE_READ_DATA),
    ("FILE_WRITE_DATA", FILE_ADD_FILE),
    ("FILE_ADD_FILE", FILE_ADD_FILE),
    ("FILE_APPEND_DATA", FILE_ADD_SUBDIRECTORY),
    ("FILE_ADD_SUBDIRECTORY", FILE_ADD_SUBDIRECTORY),
    ("FILE_CREATE_PIPE_INSTANCE", FILE_ADD_SUBDIRECTORY),
    ("FILE_READ_EA", FILE_READ_EA),
    ("FILE_WRITE_EA", FILE_WRITE_EA),
    ("FILE_EXECUTE", FILE_TRAVERSE),
    ("FILE_TRAVERSE", FILE_TRAVERSE),
    ("FILE_DELETE_CHILD", FILE_DELETE_CHILD),
    ("FILE_READ_ATTRIBUTES", FILE_READ_ATTRIBUTES),
    ("FILE_WRITE_ATTRIBUTES", FILE_WRITE_ATTRIBUTES),
    ("DELETE", DELETE),
    ("READ_CONTROL", READ_CONTROL),
    ("WRITE_DAC", WRITE_DAC),
    ("WRITE_OWNER", WRITE_OWNER),
    ("SYNCHRONIZE", SYNCHRONIZE),
    ("STANDARD_RIGHTS_REQUIRED", 0xF0000),
    ("STANDARD_RIGHTS_READ", READ_CONTROL),
    ("STANDARD_RIGHTS_WRITE", READ_CONTROL),
    ("STANDARD_RIGHTS_EXECUTE", READ_CONTROL),
    ("STANDARD_RIGHTS_ALL", 0x1F0000),
    ("SPECIFIC_RIGHTS_ALL", 0xFFFF),
    ("FILE_ALL_ACCESS", FILE_ALL_ACCESS),
    ("FILE_GENERIC_READ", FILE_GENERIC_READ),
    ("FILE_GENERIC_WRITE", FILE_GENERIC_WRITE),
    ("FILE_GENERIC_EXECUTE", FILE_GENERIC_EXECUTE),
    ("ACCESS_SYSTEM_SECURITY", ACCESS_SYSTEM_SECURITY),
    ("MAXIMUM_ALLOWED", MAXIMUM_ALLOWED),
    ("GENERIC_ALL", GENERIC_ALL),
    ("GENERIC_EXECUTE", GENERIC_EXECUTE),
    ("GENERIC_WRITE", GENERIC_WRITE),
    ("GENERIC_READ", GENERIC_READ),
];

/// The mask a Win32 right name stands for (`FILE_WRITE_DATA` -> 0x2),
/// case-insensitively.
pub fn win32_right(name: &str) -> Option<u32> {
    WIN32_NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name.trim()))
        .map(|(_, mask)| *mask)
}

/// cacls' one-letter rights: `R` read (and execute), `W` write, `C` change,
/// `F` full control. `N` (none) is a deny of everything and handled by the
/// reader. The masks are our reading of published outputs (see
/// `shared/formats/acl-snapshots.md`): no table of them is published.
pub const CACLS_LETTERS: &[(&str, u32)] = &[
    ("F", FILE_ALL_ACCESS),
    ("C", FILE_MODIFY),
    ("R", FILE_READ_EXECUTE),
    ("W", FILE_GENERIC_WRITE),
];

/// The cacls letter for a mask, if it prints as one: exactly a letter's
/// mask, or the generic forms seen printed as `F` (GENERIC_ALL) and `C`
/// (GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | DELETE).
pub fn cacls_letter(mask: u32) -> Option<&'static str> {
    const GENERIC_CHANGE: u32 = GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | DELETE;
    match mask {
        GENERIC_ALL => Some("F"),
        GENERIC_CHANGE => Some("C"),
        _ => CACLS_LETTERS
            .iter()
            .find(|(_, letter_mask)| *letter_mask == mask)
            .map(|(letter, _)| *letter),
    }
}

/// icacls' simple rights (`/?`): `N` no access, `F`, `M`, `RX`, `R`, `W`,
/// `D`. `W` is taken as FILE_GENERIC_WRITE (0x120116); icacls may also show
/// 0x100116 so (unconfirmed which it prints as `W`): both hold Add.
pub const ICACLS_SIMPLE: &[(&str, u32)] = &[
    ("F", FILE_ALL_ACCESS),
    ("M", FILE_MODIFY),
    ("RX", FILE_READ_EXECUTE),
    ("R", FILE_GENERIC_READ),
    ("W", FILE_GENERIC_WRITE),
    ("D", DELETE),
    ("N", 0),
];

/// icacls' specific rights, in the order its `/?` text lists them. Note
/// `WD` is FILE_WRITE_DATA here (in SDDL it is WRITE_DAC).
pub const ICACLS_SPECIFIC: &[(&str, u32)] = &[
    ("DE", DELETE),
    ("RC", READ_CONTROL),
    ("WDAC", WRITE_DAC),
    ("WO", WRITE_OWNER),
    ("S", SYNCHRONIZE),
    ("AS", ACCESS_SYSTEM_SECURITY),
    ("MA", MAXIMUM_ALLOWED),
    ("GR", GENERIC_READ),
    ("GW", GENERIC_WRITE),
    ("GE", GENERIC_EXECUTE),
    ("GA", GENERIC_ALL),
    ("RD", FILE_READ_DATA),
    ("WD", FILE_ADD_FILE),
    ("AD", FILE_ADD_SUBDIRECTORY),
    ("REA", FILE_READ_EA),
    ("WEA", FILE_WRITE_EA),
    ("X", FILE_TRAVERSE),
    ("DC", FILE_DELETE_CHILD),
    ("RA", FILE_READ_ATTRIBUTES),
    ("WA", FILE_WRITE_ATTRIBUTES),
];

/// The mask of one item of an icacls rights list: a simple right or a
/// specific one (simple `D` and specific `DE` are both DELETE).
pub fn icacls_right(item: &str) -> Option<u32> {
    let item = item.trim();
    ICACLS_SIMPLE
        .iter()
        .chain(ICACLS_SPECIFIC)
        .find(|(abbreviation, _)| abbreviation.eq_ignore_ascii_case(item))
        .map(|(_, mask)| *mask)
}

/// How icacls shows a mask: one simple right when the mask is exactly one
/// (GENERIC_ALL shows as `F`, and the generic change mask as `M`, as cacls
/// does), else the list of specific rights; `None` when a bit has no
/// abbreviation.
pub fn icacls_rights_text(mask: u32) -> Option<String> {
    const GENERIC_CHANGE: u32 = GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | DELETE;
    match mask {
        GENERIC_ALL => return Some("F".into()),
        GENERIC_CHANGE => return Some("M".into()),
        0 => return Some("N".into()),
        _ => {}
    }
    if let Some((simple, _)) = ICACLS_SIMPLE.iter().find(|(_, m)| *m == mask) {
        return Some((*simple).to_string());
    }
    let named = ICACLS_SPECIFIC.iter().fold(0, |acc, (_, bit)| acc | bit);
    (mask & !named == 0).then(|| {
        ICACLS_SPECIFIC
            .iter()
            .filter(|(_, bit)| mask & bit != 0)
            .map(|(abbreviation, _)| *abbreviation)
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// Words for the specific and standard rights in `mask`, in bit order
/// (`list the folder / read file data`, `delete`); other bits have none.
pub fn words(mask: u32) -> Vec<&'static str> {
    BITS.iter()
        .filter(|(bit, _, _, words)| mask & bit != 0 && !words.is_empty())
        .map(|(_, _, _, words)| *words)
        .collect()
}

/// A mask as the list of icacls' abbreviations of its specific and
/// standard rights, in bit order (`WD,AD,WEA,X,RA,WA,RC,S` for NT 4.0's
/// Add); `None` for 0 and for a mask with any other bit (generic,
/// ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED), which such a list cannot hold.
pub fn icacls_specific_list(mask: u32) -> Option<String> {
    if mask == 0 || mask & !FILE_ALL_ACCESS != 0 {
        return None;
    }
    let abbreviation = |bit: u32| {
        ICACLS_SPECIFIC
            .iter()
            .find(|(_, right)| *right == bit)
            .map(|(abbreviation, _)| *abbreviation)
    };
    (0..u32::BITS)
        .map(|shift| 1 << shift)
        .filter(|bit| mask & bit != 0)
        .map(abbreviation)
        .collect::<Option<Vec<_>>>()
        .map(|list| list.join(","))
}

/// Maps generic bits with the file mapping (GENERIC_READ -> FILE_GENERIC_READ, ...).
pub fn map_generic(mask: u32) -> u32 {
    let mut mapped = mask & 0x0FFF_FFFF;
    if mask & GENERIC_READ != 0 {
        mapped |= FILE_GENERIC_READ;
    }
    if mask & GENERIC_WRITE != 0 {
        mapped |= FILE_GENERIC_WRITE;
    }
    if mask & GENERIC_EXECUTE != 0 {
        mapped |= FILE_GENERIC_EXECUTE;
    }
    if mask & GENERIC_ALL != 0 {
        mapped |= FILE_ALL_ACCESS;
    }
    mapped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_masks() {
        assert_eq!(
            describe(NT4_ADD),
            [
                "FILE_ADD_FILE",
                "FILE_ADD_SUBDIRECTORY",
                "FILE_WRITE_EA",
                "FILE_TRAVERSE",
                "FILE_READ_ATTRIBUTES",
                "FILE_WRITE_ATTRIBUTES",
                "READ_CONTROL",
                "SYNCHRONIZE"
            ]
        );
        assert_eq!(unnamed_bits(0x1201B6 | 0x200), 0x200);
        assert_eq!(sddl_letters(FILE_ALL_ACCESS), "FA");
        assert_eq!(sddl_letters(GENERIC_READ | GENERIC_EXECUTE), "GRGX");
        assert_eq!(sddl_letters(0x30000), "RCSD");
        assert_eq!(sddl_letters(NT4_ADD), "0x1201b6");
        assert!(format_mask(0x2).contains("FILE_ADD_FILE"));
        assert!(format_mask(NT4_ADD).starts_with("0x1201b6 (NT 4.0 Add"));
    }

    #[test]
    fn generic_mapping_matches_the_file_mapping() {
        assert_eq!(map_generic(GENERIC_READ), FILE_GENERIC_READ);
        assert_eq!(map_generic(GENERIC_WRITE | GENERIC_EXECUTE), NT4_ADD);
        assert_eq!(map_generic(GENERIC_ALL | 0x2), FILE_ALL_ACCESS);
        assert_eq!(map_generic(0xE001_0000), FILE_MODIFY);
    }
}
