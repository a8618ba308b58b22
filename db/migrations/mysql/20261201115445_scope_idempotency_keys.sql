-- Modify "idempotency_keys" table
ALTER TABLE `idempotency_keys` ADD COLUMN `id` bigint NOT NULL AUTO_INCREMENT, ADD COLUMN `scope` varchar(64) NOT NULL DEFAULT '', DROP PRIMARY KEY, ADD PRIMARY KEY (`id`), ADD UNIQUE INDEX `idempotencykey_scope_key_value` (`scope`, `key_value`);
