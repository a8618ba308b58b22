-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Add column "price_list_id" to table: "order_items"
ALTER TABLE `order_items` ADD COLUMN `price_list_id` integer NULL;
-- Add column "price_min_qty" to table: "order_items"
ALTER TABLE `order_items` ADD COLUMN `price_min_qty` integer NULL;
-- Create "new_products" table
CREATE TABLE `new_products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku` text NOT NULL, `name` text NOT NULL, `price_cents` integer NOT NULL, `stock` integer NOT NULL DEFAULT (0), `min_qty` integer NOT NULL DEFAULT (0), `max_qty` integer NOT NULL DEFAULT (0), `qty_increment` integer NOT NULL DEFAULT (0), `created_at` datetime NOT NULL);
-- Copy rows from old table "products" to new temporary table "new_products"
INSERT INTO `new_products` (`id`, `sku`, `name`, `price_cents`, `stock`, `created_at`) SELECT `id`, `sku`, `name`, `price_cents`, `stock`, `created_at` FROM `products`;
-- Drop "products" table after copying rows
DROP TABLE `products`;
-- Rename temporary table "new_products" to "products"
ALTER TABLE `new_products` RENAME TO `products`;
-- Create index "products_sku_key" to table: "products"
CREATE UNIQUE INDEX `products_sku_key` ON `products` (`sku`);
-- Add column "currency" to table: "orders"
ALTER TABLE `orders` ADD COLUMN `currency` text NULL;
-- Create "price_entries" table
CREATE TABLE `price_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `price_list_id` integer NOT NULL, `product_id` integer NOT NULL, `min_qty` integer NOT NULL, `unit_price_cents` integer NOT NULL);
-- Create index "priceentry_price_list_id_product_id_min_qty" to table: "price_entries"
CREATE UNIQUE INDEX `priceentry_price_list_id_product_id_min_qty` ON `price_entries` (`price_list_id`, `product_id`, `min_qty`);
-- Create "price_lists" table
CREATE TABLE `price_lists` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `currency` text NOT NULL, `status` text NOT NULL, `valid_from` datetime NULL, `valid_to` datetime NULL, `priority` integer NOT NULL DEFAULT (0), `scope` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL);
-- Create "price_list_customers" table
CREATE TABLE `price_list_customers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `price_list_id` integer NOT NULL, `customer_id` integer NOT NULL);
-- Create index "pricelistcustomer_price_list_id_customer_id" to table: "price_list_customers"
CREATE UNIQUE INDEX `pricelistcustomer_price_list_id_customer_id` ON `price_list_customers` (`price_list_id`, `customer_id`);
-- Create index "pricelistcustomer_customer_id" to table: "price_list_customers"
CREATE INDEX `pricelistcustomer_customer_id` ON `price_list_customers` (`customer_id`);
-- Create "price_list_rules" table
CREATE TABLE `price_list_rules` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `price_list_id` integer NOT NULL, `product_id` integer NOT NULL, `min_qty` integer NOT NULL DEFAULT (0), `max_qty` integer NOT NULL DEFAULT (0), `qty_increment` integer NOT NULL DEFAULT (0));
-- Create index "pricelistrule_price_list_id_product_id" to table: "price_list_rules"
CREATE UNIQUE INDEX `pricelistrule_price_list_id_product_id` ON `price_list_rules` (`price_list_id`, `product_id`);
-- Create "pricing_state" table
CREATE TABLE `pricing_state` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `version` integer NOT NULL DEFAULT (0));
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
-- The one row of "pricing_state"
INSERT INTO `pricing_state` (`id`, `version`) VALUES (1, 0);
