-- Modify "customers" table
ALTER TABLE `customers` ADD COLUMN `po_number_required` bool NOT NULL DEFAULT 0, ADD COLUMN `po_number_unique` bool NOT NULL DEFAULT 0, ADD COLUMN `payment_terms` varchar(20) NULL;
-- Modify "orders" table
ALTER TABLE `orders` ADD COLUMN `po_number` varchar(64) NULL, ADD COLUMN `po_unique_key` varchar(64) NULL, ADD COLUMN `payment_terms` varchar(20) NULL, ADD INDEX `order_customer_id_po_number` (`customer_id`, `po_number`), ADD UNIQUE INDEX `order_customer_id_po_unique_key` (`customer_id`, `po_unique_key`);
