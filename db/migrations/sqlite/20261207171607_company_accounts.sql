-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_orders" table
CREATE TABLE `new_orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` varchar NOT NULL DEFAULT ('CREATED'), `total_cents` integer NOT NULL, `created_at` datetime NOT NULL, `confirmed_at` datetime NULL, `canceled_at` datetime NULL, `location_id` integer NULL, `ship_to` text NULL, `placed_by` text NULL, `confirmed_by` text NULL, `canceled_by` text NULL, `customer_id` integer NOT NULL, CONSTRAINT `orders_customers_orders` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "orders" to new temporary table "new_orders"
INSERT INTO `new_orders` (`id`, `status`, `total_cents`, `created_at`, `confirmed_at`, `canceled_at`, `customer_id`) SELECT `id`, `status`, `total_cents`, `created_at`, `confirmed_at`, `canceled_at`, `customer_id` FROM `orders`;
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
-- Create "api_keys" table
CREATE TABLE `api_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `member_id` integer NULL, `created_by` text NOT NULL, `name` text NOT NULL, `role` varchar NOT NULL, `location_ids` json NULL, `prefix` text NOT NULL, `secret_hash` text NOT NULL, `expires_at` datetime NULL, `last_used_at` datetime NULL, `created_at` datetime NOT NULL, `revoked_at` datetime NULL, `customer_id` integer NOT NULL, CONSTRAINT `api_keys_customers_api_keys` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Create index "apikey_prefix" to table: "api_keys"
CREATE UNIQUE INDEX `apikey_prefix` ON `api_keys` (`prefix`);
-- Create index "apikey_customer_id" to table: "api_keys"
CREATE INDEX `apikey_customer_id` ON `api_keys` (`customer_id`);
-- Create "locations" table
CREATE TABLE `locations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `address_line1` text NOT NULL, `address_line2` text NULL, `city` text NOT NULL, `postal_code` text NOT NULL, `country` text NOT NULL, `tax_id` text NULL, `created_at` datetime NOT NULL, `archived_at` datetime NULL, `customer_id` integer NOT NULL, CONSTRAINT `locations_customers_locations` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Create index "location_customer_id" to table: "locations"
CREATE INDEX `location_customer_id` ON `locations` (`customer_id`);
-- Create "members" table
CREATE TABLE `members` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `email` text NOT NULL, `name` text NOT NULL, `role` varchar NOT NULL, `subject` text NULL, `location_ids` json NULL, `created_at` datetime NOT NULL, `removed_at` datetime NULL, `live` bool NULL DEFAULT (true), `customer_id` integer NOT NULL, CONSTRAINT `members_customers_members` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Create index "member_customer_id_email_live" to table: "members"
CREATE UNIQUE INDEX `member_customer_id_email_live` ON `members` (`customer_id`, `email`, `live`);
-- Create index "member_subject_live" to table: "members"
CREATE UNIQUE INDEX `member_subject_live` ON `members` (`subject`, `live`);
-- Create index "member_email" to table: "members"
CREATE INDEX `member_email` ON `members` (`email`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
