-- Create "webhook_attempts" table
CREATE TABLE `webhook_attempts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `delivery_id` integer NOT NULL, `endpoint_id` integer NOT NULL, `attempt` integer NOT NULL, `status_code` integer NULL, `error` text NULL, `duration_ms` integer NOT NULL, `attempted_at` datetime NOT NULL);
-- Create index "webhookattempt_delivery_id_attempt" to table: "webhook_attempts"
CREATE UNIQUE INDEX `webhookattempt_delivery_id_attempt` ON `webhook_attempts` (`delivery_id`, `attempt`);
-- Create "webhook_deliveries" table
CREATE TABLE `webhook_deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `endpoint_id` integer NOT NULL, `event_row` integer NOT NULL, `event_id` text NOT NULL, `event_type` text NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `last_status_code` integer NULL, `last_error` text NULL, `delivered_at` datetime NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL);
-- Create index "webhookdelivery_endpoint_id_event_row" to table: "webhook_deliveries"
CREATE UNIQUE INDEX `webhookdelivery_endpoint_id_event_row` ON `webhook_deliveries` (`endpoint_id`, `event_row`);
-- Create index "webhookdelivery_state_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_state_next_attempt_at` ON `webhook_deliveries` (`state`, `next_attempt_at`);
-- Create "webhook_endpoints" table
CREATE TABLE `webhook_endpoints` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `url` text NOT NULL, `secret` text NOT NULL, `event_types` json NULL, `enabled` bool NOT NULL DEFAULT (true), `disabled_at` datetime NULL, `disabled_reason` text NULL, `failing_since` datetime NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL);
