-- Modify "customers" table
ALTER TABLE `customers` ADD COLUMN `governance_version` bigint NOT NULL DEFAULT 0;
