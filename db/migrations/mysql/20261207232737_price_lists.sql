-- Modify "orders" table
ALTER TABLE `orders` ADD COLUMN `currency` varchar(3) NULL;
-- Modify "order_items" table
ALTER TABLE `order_items` ADD COLUMN `price_list_id` bigint NULL, ADD COLUMN `price_min_qty` bigint NULL;
-- Modify "products" table
ALTER TABLE `products` ADD COLUMN `min_qty` bigint NOT NULL DEFAULT 0, ADD COLUMN `max_qty` bigint NOT NULL DEFAULT 0, ADD COLUMN `qty_increment` bigint NOT NULL DEFAULT 0;
-- Create "price_entries" table
CREATE TABLE `price_entries` (`id` bigint NOT NULL AUTO_INCREMENT, `price_list_id` bigint NOT NULL, `product_id` bigint NOT NULL, `min_qty` bigint NOT NULL, `unit_price_cents` bigint NOT NULL, PRIMARY KEY (`id`), UNIQUE INDEX `priceentry_price_list_id_product_id_min_qty` (`price_list_id`, `product_id`, `min_qty`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "price_lists" table
CREATE TABLE `price_lists` (`id` bigint NOT NULL AUTO_INCREMENT, `name` varchar(100) NOT NULL, `currency` varchar(3) NOT NULL, `status` varchar(10) NOT NULL, `valid_from` datetime(3) NULL, `valid_to` datetime(3) NULL, `priority` bigint NOT NULL DEFAULT 0, `scope` varchar(10) NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, PRIMARY KEY (`id`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "price_list_customers" table
CREATE TABLE `price_list_customers` (`id` bigint NOT NULL AUTO_INCREMENT, `price_list_id` bigint NOT NULL, `customer_id` bigint NOT NULL, PRIMARY KEY (`id`), INDEX `pricelistcustomer_customer_id` (`customer_id`), UNIQUE INDEX `pricelistcustomer_price_list_id_customer_id` (`price_list_id`, `customer_id`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "price_list_rules" table
CREATE TABLE `price_list_rules` (`id` bigint NOT NULL AUTO_INCREMENT, `price_list_id` bigint NOT NULL, `product_id` bigint NOT NULL, `min_qty` bigint NOT NULL DEFAULT 0, `max_qty` bigint NOT NULL DEFAULT 0, `qty_increment` bigint NOT NULL DEFAULT 0, PRIMARY KEY (`id`), UNIQUE INDEX `pricelistrule_price_list_id_product_id` (`price_list_id`, `product_id`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "pricing_state" table
CREATE TABLE `pricing_state` (`id` bigint NOT NULL AUTO_INCREMENT, `version` bigint NOT NULL DEFAULT 0, PRIMARY KEY (`id`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- The one row of "pricing_state"
INSERT INTO `pricing_state` (`id`, `version`) VALUES (1, 0);
