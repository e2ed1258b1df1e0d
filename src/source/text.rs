//! Decoding text files whose encoding is not declared: UTF-16LE with or
//! without BOM, UTF-8 with or without BOM, else Windows-1252.
