-- The built-in test executor keys each side effect by its idempotency key, as an idempotent API does:
-- the database, not a lock taken in code, keeps a repeated key from performing a second effect.
DROP INDEX rwf.builtin_effects_key_idx;
CREATE UNIQUE INDEX builtin_effects_key_uniq ON rwf.builtin_effects (idempotency_key);
