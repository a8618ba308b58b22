-- Create "customers" table
CREATE TABLE `customers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `email` text NOT NULL, `phone` text NULL, `created_at` datetime NOT NULL, `deleted_at` datetime NULL, `live` bool NULL DEFAULT (true));
-- Create index "customer_email_live" to table: "customers"
CREATE UNIQUE INDEX `customer_email_live` ON `customers` (`email`, `live`);
-- Create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`key_value` text NOT NULL, `operation` text NULL, `target_type` text NOT NULL, `target_id` integer NOT NULL, `request_hash` text NULL, `status` text NOT NULL, `response_body` text NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, PRIMARY KEY (`key_value`));
-- Create index "idempotencykey_expires_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_expires_at` ON `idempotency_keys` (`expires_at`);
-- Create "orders" table
CREATE TABLE `orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` varchar NOT NULL DEFAULT ('CREATED'), `total_cents` integer NOT NULL, `created_at` datetime NOT NULL, `confirmed_at` datetime NULL, `canceled_at` datetime NULL, `customer_id` integer NOT NULL, CONSTRAINT `orders_customers_orders` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- Create index "order_status" to table: "orders"
CREATE INDEX `order_status` ON `orders` (`status`);
-- Create index "order_created_at" to table: "orders"
CREATE INDEX `order_created_at` ON `orders` (`created_at`);
-- Create index "order_customer_id" to table: "orders"
CREATE INDEX `order_customer_id` ON `orders` (`customer_id`);
-- Create "order_items" table
CREATE TABLE `order_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `qty` integer NOT NULL, `unit_price_cents` integer NOT NULL, `subtotal_cents` integer NOT NULL, `order_id` integer NOT NULL, `product_id` integer NOT NULL, CONSTRAINT `order_items_orders_items` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION, CONSTRAINT `order_items_products_order_items` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE NO ACTION);
-- Create "products" table
CREATE TABLE `products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku` text NOT NULL, `name` text NOT NULL, `price_cents` integer NOT NULL, `stock` integer NOT NULL DEFAULT (0), `created_at` datetime NOT NULL);
-- Create index "products_sku_key" to table: "products"
CREATE UNIQUE INDEX `products_sku_key` ON `products` (`sku`);
