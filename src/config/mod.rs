//! `rwf.toml`: executors, notification sinks and the people directory, with located diagnostics.
