-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_idempotency_keys" table
CREATE TABLE `new_idempotency_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `scope` text NOT NULL DEFAULT (''), `key_value` text NOT NULL, `operation` text NULL, `target_type` text NOT NULL, `target_id` integer NOT NULL, `request_hash` text NULL, `status` text NOT NULL, `response_body` text NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL);
-- Copy rows from old table "idempotency_keys" to new temporary table "new_idempotency_keys"
INSERT INTO `new_idempotency_keys` (`key_value`, `operation`, `target_type`, `target_id`, `request_hash`, `status`, `response_body`, `created_at`, `expires_at`) SELECT `key_value`, `operation`, `target_type`, `target_id`, `request_hash`, `status`, `response_body`, `created_at`, `expires_at` FROM `idempotency_keys`;
-- Drop "idempotency_keys" table after copying rows
DROP TABLE `idempotency_keys`;
-- Rename temporary table "new_idempotency_keys" to "idempotency_keys"
ALTER TABLE `new_idempotency_keys` RENAME TO `idempotency_keys`;
-- Create index "idempotencykey_scope_key_value" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_scope_key_value` ON `idempotency_keys` (`scope`, `key_value`);
-- Create index "idempotencykey_expires_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_expires_at` ON `idempotency_keys` (`expires_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
