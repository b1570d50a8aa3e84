//! The decision core: `reconcile(snapshot, now)` → decisions. Pure: no IO, no clock.
