//! Renderers of a resolved plan: table, terminal Gantt, JSON, CSV, Mermaid, ICS, SVG. Pure: each returns a String.
