//! File access rights: names, the generic mapping, and words for reports.

pub const FILE_READ_DATA: u32 = 0x1;
pub const FILE_ADD_FILE: u32 = 0x2;
pub const FILE_ADD_SUBDIRECTORY: u32 = 0x4;
pub const READ_CONTROL: u32 = 0x20000;
pub const WRITE_DAC: u32 = 0x40000;
pub const GENERIC_ALL: u32 = 0x1000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;
pub const FILE_ALL_ACCESS: u32 = 0x1F01FF;
pub const FILE_GENERIC_READ: u32 = 0x120089;
pub const FILE_GENERIC_WRITE: u32 = 0x120116;
pub const FILE_GENERIC_EXECUTE: u32 = 0x1200A0;

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

/// The specific file rights, with the short names icacls prints.
const NAMED_RIGHTS: [(u32, &str); 14] = [
    (0x1, "RD (read data / list folder)"),
    (0x2, "WD (write data / add file)"),
    (0x4, "AD (append data / add subfolder)"),
    (0x8, "REA (read extended attributes)"),
    (0x10, "WEA (write extended attributes)"),
    (0x20, "X (execute / traverse)"),
    (0x40, "DC (delete child)"),
    (0x80, "RA (read attributes)"),
    (0x100, "WA (write attributes)"),
    (0x10000, "DE (delete)"),
    (0x20000, "RC (read permissions)"),
    (0x40000, "WDAC (change permissions)"),
    (0x80000, "WO (take ownership)"),
    (0x100000, "S (synchronize)"),
];

/// Words for each specific right in a (mapped) mask.
pub fn describe(mask: u32) -> Vec<&'static str> {
    let mask = map_generic(mask);
    if mask & FILE_ALL_ACCESS == FILE_ALL_ACCESS {
        return vec!["F (full control)"];
    }
    NAMED_RIGHTS
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}
