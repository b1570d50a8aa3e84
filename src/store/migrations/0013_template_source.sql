-- The `.rwf` text a template version was pushed from, shown by the web console. NULL when unknown:
-- versions stored before this column, and versions stored from a spec alone (`rwf templates save`,
-- a release edited into a template). Informational only: the spec is what runs.
ALTER TABLE rwf.template_versions ADD COLUMN source text;
