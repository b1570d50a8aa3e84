//! Persistence: Postgres via sqlx (the only place sqlx is used), migrations, and the worker's queries.
