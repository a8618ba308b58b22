-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_customers" table
CREATE TABLE `new_customers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `email` text NOT NULL, `phone` text NULL, `created_at` datetime NOT NULL, `deleted_at` datetime NULL, `live` bool NULL DEFAULT (true), `po_number_required` bool NOT NULL DEFAULT (false), `po_number_unique` bool NOT NULL DEFAULT (false), `payment_terms` text NULL, `credit_limit_cents` integer NULL, `credit_exposure_cents` integer NOT NULL DEFAULT (0), `time_zone` text NOT NULL DEFAULT ('UTC'), `has_spending_limits` bool NOT NULL DEFAULT (false), `has_approval_rules` bool NOT NULL DEFAULT (false), `governance_version` integer NOT NULL DEFAULT (0));
-- Copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `name`, `email`, `phone`, `created_at`, `deleted_at`, `live`, `po_number_required`, `po_number_unique`, `payment_terms`, `credit_limit_cents`, `credit_exposure_cents`, `time_zone`, `has_spending_limits`, `has_approval_rules`) SELECT `id`, `name`, `email`, `phone`, `created_at`, `deleted_at`, `live`, `po_number_required`, `po_number_unique`, `payment_terms`, `credit_limit_cents`, `credit_exposure_cents`, `time_zone`, `has_spending_limits`, `has_approval_rules` FROM `customers`;
-- Drop "customers" table after copying rows
DROP TABLE `customers`;
-- Rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- Create index "customer_email_live" to table: "customers"
CREATE UNIQUE INDEX `customer_email_live` ON `customers` (`email`, `live`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
