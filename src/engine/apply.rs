//! Applies actions to an in-memory snapshot: the simulator's store, and the reference semantics the
//! Postgres store mirrors.
