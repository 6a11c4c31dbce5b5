//! Safekeep's capture sources: the parts that touch the outside world (the screen, the
//! web, phones sending with LocalSend, and time-stamp authorities). Each source produces
//! bytes and machine metadata and hands them to `safekeep-core`, which seals them like
//! any other evidence. The CLI, the app and the tests call the same functions.

pub mod phone;
pub mod process;
pub mod rdap;
pub mod screen;
pub mod timestamp;
pub mod video;
pub mod web;
