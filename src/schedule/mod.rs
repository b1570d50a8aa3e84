//! The schedule resolver: spec + release instant + timezone → each task's start/due/end, DST-correct,
//! with business days from the calendar in force. Pure.
