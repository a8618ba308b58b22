-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_customers" table
CREATE TABLE `new_customers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `email` text NOT NULL, `phone` text NULL, `created_at` datetime NOT NULL, `deleted_at` datetime NULL, `live` bool NULL DEFAULT (true), `po_number_required` bool NOT NULL DEFAULT (false), `po_number_unique` bool NOT NULL DEFAULT (false), `payment_terms` text NULL, `credit_limit_cents` integer NULL, `credit_exposure_cents` integer NOT NULL DEFAULT (0), `time_zone` text NOT NULL DEFAULT ('UTC'));
-- Copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `name`, `email`, `phone`, `created_at`, `deleted_at`, `live`, `po_number_required`, `po_number_unique`, `payment_terms`) SELECT `id`, `name`, `email`, `phone`, `created_at`, `deleted_at`, `live`, `po_number_required`, `po_number_unique`, `payment_terms` FROM `customers`;
-- Drop "customers" table after copying rows
DROP TABLE `customers`;
-- Rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- Create index "customer_email_live" to table: "customers"
CREATE UNIQUE INDEX `customer_email_live` ON `customers` (`email`, `live`);
-- Create "new_orders" table
CREATE TABLE `new_orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` varchar NOT NULL DEFAULT ('CREATED'), `total_cents` integer NOT NULL, `created_at` datetime NOT NULL, `confirmed_at` datetime NULL, `canceled_at` datetime NULL, `location_id` integer NULL, `ship_to` text NULL, `placed_by` text NULL, `confirmed_by` text NULL, `canceled_by` text NULL, `po_number` text NULL, `po_unique_key` text NULL, `payment_terms` text NULL, `event_seq` integer NOT NULL DEFAULT (1), `approval_roles` text NULL, `approvals` integer NOT NULL DEFAULT (0), `confirm_on_approval` bool NOT NULL DEFAULT (false), `approval_expires_at` datetime NULL, `spend_member_id` integer NULL, `spend_period` text NULL, `paid_at` datetime NULL, `paid_by` text NULL, `customer_id` integer NOT NULL, CONSTRAINT `orders_customers_orders` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "orders" to new temporary table "new_orders"
INSERT INTO `new_orders` (`id`, `status`, `total_cents`, `created_at`, `confirmed_at`, `canceled_at`, `location_id`, `ship_to`, `placed_by`, `confirmed_by`, `canceled_by`, `po_number`, `po_unique_key`, `payment_terms`, `customer_id`) SELECT `id`, `status`, `total_cents`, `created_at`, `confirmed_at`, `canceled_at`, `location_id`, `ship_to`, `placed_by`, `confirmed_by`, `canceled_by`, `po_number`, `po_unique_key`, `payment_terms`, `customer_id` FROM `orders`;
-- Drop "orders" table after copying rows
DROP TABLE `orders`;
-- Rename temporary table "new_orders" to "orders"
ALTER TABLE `new_orders` RENAME TO `orders`;
-- Create index "order_status" to table: "orders"
CREATE INDEX `order_status` ON `orders` (`status`);
-- Create index "order_created_at" to table: "orders"
CREATE INDEX `order_created_at` ON `orders` (`created_at`);
-- Create index "order_customer_id" to table: "orders"
CREATE INDEX `order_customer_id` ON `orders` (`customer_id`);
-- Create index "order_placed_by" to table: "orders"
CREATE INDEX `order_placed_by` ON `orders` (`placed_by`);
-- Create index "order_location_id" to table: "orders"
CREATE INDEX `order_location_id` ON `orders` (`location_id`);
-- Create index "order_customer_id_po_unique_key" to table: "orders"
CREATE UNIQUE INDEX `order_customer_id_po_unique_key` ON `orders` (`customer_id`, `po_unique_key`);
-- Create index "order_customer_id_po_number" to table: "orders"
CREATE INDEX `order_customer_id_po_number` ON `orders` (`customer_id`, `po_number`);
-- Create index "order_status_approval_expires_at" to table: "orders"
CREATE INDEX `order_status_approval_expires_at` ON `orders` (`status`, `approval_expires_at`);
-- Create "approval_rules" table
CREATE TABLE `approval_rules` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `customer_id` integer NOT NULL, `name` text NOT NULL, `min_total_cents` integer NULL, `placed_by_roles` json NULL, `over_spending_limit` bool NOT NULL DEFAULT (false), `approver_roles` json NOT NULL, `created_at` datetime NOT NULL);
-- Create index "approvalrule_customer_id" to table: "approval_rules"
CREATE INDEX `approvalrule_customer_id` ON `approval_rules` (`customer_id`);
-- Create "order_approvals" table
CREATE TABLE `order_approvals` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `order_id` integer NOT NULL, `level` integer NOT NULL, `decision` text NOT NULL, `actor` text NOT NULL, `reason` text NULL, `created_at` datetime NOT NULL);
-- Create index "orderapproval_order_id_level" to table: "order_approvals"
CREATE UNIQUE INDEX `orderapproval_order_id_level` ON `order_approvals` (`order_id`, `level`);
-- Create "spend_ledger" table
CREATE TABLE `spend_ledger` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `customer_id` integer NOT NULL, `member_id` integer NOT NULL, `period` text NOT NULL, `used_cents` integer NOT NULL);
-- Create index "spendledger_member_id_period" to table: "spend_ledger"
CREATE UNIQUE INDEX `spendledger_member_id_period` ON `spend_ledger` (`member_id`, `period`);
-- Create "spending_limits" table
CREATE TABLE `spending_limits` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `customer_id` integer NOT NULL, `member_id` integer NULL, `role` text NULL, `period` text NOT NULL, `amount_cents` integer NOT NULL, `created_at` datetime NOT NULL);
-- Create index "spendinglimit_customer_id_member_id" to table: "spending_limits"
CREATE UNIQUE INDEX `spendinglimit_customer_id_member_id` ON `spending_limits` (`customer_id`, `member_id`);
-- Create index "spendinglimit_customer_id_role" to table: "spending_limits"
CREATE UNIQUE INDEX `spendinglimit_customer_id_role` ON `spending_limits` (`customer_id`, `role`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
-- Backfill: the exposure of each customer is the total of its confirmed orders (none was paid before payments were recorded)
UPDATE `customers` SET `credit_exposure_cents` = (SELECT COALESCE(SUM(`total_cents`), 0) FROM `orders` WHERE `orders`.`customer_id` = `customers`.`id` AND `orders`.`status` = 'CONFIRMED');
-- Backfill: each order's last event number, as the state machine numbered them (created 1, confirmed 2, canceled 2 or 3 after a confirm)
UPDATE `orders` SET `event_seq` = CASE WHEN `status` = 'CANCELED' AND `confirmed_at` IS NOT NULL THEN 3 WHEN `status` = 'CREATED' THEN 1 ELSE 2 END;
