-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_customers" table
CREATE TABLE `new_customers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `email` text NOT NULL, `phone` text NULL, `created_at` datetime NOT NULL, `deleted_at` datetime NULL, `live` bool NULL DEFAULT (true), `po_number_required` bool NOT NULL DEFAULT (false), `po_number_unique` bool NOT NULL DEFAULT (false), `payment_terms` text NULL);
-- Copy rows from old table "customers" to new temporary table "new_customers"
INSERT INTO `new_customers` (`id`, `name`, `email`, `phone`, `created_at`, `deleted_at`, `live`) SELECT `id`, `name`, `email`, `phone`, `created_at`, `deleted_at`, `live` FROM `customers`;
-- Drop "customers" table after copying rows
DROP TABLE `customers`;
-- Rename temporary table "new_customers" to "customers"
ALTER TABLE `new_customers` RENAME TO `customers`;
-- Create index "customer_email_live" to table: "customers"
CREATE UNIQUE INDEX `customer_email_live` ON `customers` (`email`, `live`);
-- Create "new_orders" table
CREATE TABLE `new_orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` varchar NOT NULL DEFAULT ('CREATED'), `total_cents` integer NOT NULL, `created_at` datetime NOT NULL, `confirmed_at` datetime NULL, `canceled_at` datetime NULL, `location_id` integer NULL, `ship_to` text NULL, `placed_by` text NULL, `confirmed_by` text NULL, `canceled_by` text NULL, `po_number` text NULL, `po_unique_key` text NULL, `payment_terms` text NULL, `customer_id` integer NOT NULL, CONSTRAINT `orders_customers_orders` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "orders" to new temporary table "new_orders"
INSERT INTO `new_orders` (`id`, `status`, `total_cents`, `created_at`, `confirmed_at`, `canceled_at`, `location_id`, `ship_to`, `placed_by`, `confirmed_by`, `canceled_by`, `customer_id`) SELECT `id`, `status`, `total_cents`, `created_at`, `confirmed_at`, `canceled_at`, `location_id`, `ship_to`, `placed_by`, `confirmed_by`, `canceled_by`, `customer_id` FROM `orders`;
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
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
