-- Attempts made before a task's current run: a task sent back for revision gets its retry budget again.
ALTER TABLE rwf.tasks ADD COLUMN attempts_before integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT tasks_attempts_before_check CHECK (attempts_before >= 0 AND attempts_before <= attempts);
