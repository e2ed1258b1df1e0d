//! What each bundle entry is, decided from its content (the name is a hint).

pub mod text;
