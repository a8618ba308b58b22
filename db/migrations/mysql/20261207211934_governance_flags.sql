-- Modify "customers" table
ALTER TABLE `customers` ADD COLUMN `has_spending_limits` bool NOT NULL DEFAULT 0, ADD COLUMN `has_approval_rules` bool NOT NULL DEFAULT 0;
-- Backfill: the flags of customers that have limits or rules already
UPDATE `customers` SET `has_spending_limits` = EXISTS (SELECT 1 FROM `spending_limits` WHERE `spending_limits`.`customer_id` = `customers`.`id`), `has_approval_rules` = EXISTS (SELECT 1 FROM `approval_rules` WHERE `approval_rules`.`customer_id` = `customers`.`id`);
