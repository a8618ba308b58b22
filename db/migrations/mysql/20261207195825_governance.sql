-- Modify "customers" table
ALTER TABLE `customers` ADD COLUMN `credit_limit_cents` bigint NULL, ADD COLUMN `credit_exposure_cents` bigint NOT NULL DEFAULT 0, ADD COLUMN `time_zone` varchar(64) NOT NULL DEFAULT 'UTC';
-- Modify "orders" table
ALTER TABLE `orders` ADD COLUMN `event_seq` bigint NOT NULL DEFAULT 1, ADD COLUMN `approval_roles` varchar(40) NULL, ADD COLUMN `approvals` bigint NOT NULL DEFAULT 0, ADD COLUMN `confirm_on_approval` bool NOT NULL DEFAULT 0, ADD COLUMN `approval_expires_at` datetime(3) NULL, ADD COLUMN `spend_member_id` bigint NULL, ADD COLUMN `spend_period` varchar(20) NULL, ADD COLUMN `paid_at` datetime(3) NULL, ADD COLUMN `paid_by` varchar(80) NULL, ADD INDEX `order_status_approval_expires_at` (`status`, `approval_expires_at`);
-- Create "approval_rules" table
CREATE TABLE `approval_rules` (`id` bigint NOT NULL AUTO_INCREMENT, `customer_id` bigint NOT NULL, `name` varchar(100) NOT NULL, `min_total_cents` bigint NULL, `placed_by_roles` json NULL, `over_spending_limit` bool NOT NULL DEFAULT 0, `approver_roles` json NOT NULL, `created_at` datetime(3) NOT NULL, PRIMARY KEY (`id`), INDEX `approvalrule_customer_id` (`customer_id`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "order_approvals" table
CREATE TABLE `order_approvals` (`id` bigint NOT NULL AUTO_INCREMENT, `order_id` bigint NOT NULL, `level` bigint NOT NULL, `decision` varchar(10) NOT NULL, `actor` varchar(80) NOT NULL, `reason` varchar(500) NULL, `created_at` datetime(3) NOT NULL, PRIMARY KEY (`id`), UNIQUE INDEX `orderapproval_order_id_level` (`order_id`, `level`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "spend_ledger" table
CREATE TABLE `spend_ledger` (`id` bigint NOT NULL AUTO_INCREMENT, `customer_id` bigint NOT NULL, `member_id` bigint NOT NULL, `period` varchar(20) NOT NULL, `used_cents` bigint NOT NULL, PRIMARY KEY (`id`), UNIQUE INDEX `spendledger_member_id_period` (`member_id`, `period`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Create "spending_limits" table
CREATE TABLE `spending_limits` (`id` bigint NOT NULL AUTO_INCREMENT, `customer_id` bigint NOT NULL, `member_id` bigint NULL, `role` varchar(20) NULL, `period` varchar(10) NOT NULL, `amount_cents` bigint NOT NULL, `created_at` datetime(3) NOT NULL, PRIMARY KEY (`id`), UNIQUE INDEX `spendinglimit_customer_id_member_id` (`customer_id`, `member_id`), UNIQUE INDEX `spendinglimit_customer_id_role` (`customer_id`, `role`)) CHARSET utf8mb4 COLLATE utf8mb4_bin;
-- Backfill: the exposure of each customer is the total of its confirmed orders (none was paid before payments were recorded)
UPDATE `customers` SET `credit_exposure_cents` = (SELECT COALESCE(SUM(`total_cents`), 0) FROM `orders` WHERE `orders`.`customer_id` = `customers`.`id` AND `orders`.`status` = 'CONFIRMED');
-- Backfill: each order's last event number, as the state machine numbered them (created 1, confirmed 2, canceled 2 or 3 after a confirm)
UPDATE `orders` SET `event_seq` = CASE WHEN `status` = 'CANCELED' AND `confirmed_at` IS NOT NULL THEN 3 WHEN `status` = 'CREATED' THEN 1 ELSE 2 END;
