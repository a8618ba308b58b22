-- Create "order_events" table
CREATE TABLE `order_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `event_id` text NOT NULL, `order_id` integer NOT NULL, `seq` integer NOT NULL, `type` text NOT NULL, `occurred_at` datetime NOT NULL, `payload` text NOT NULL, `published_at` datetime NULL);
-- Create index "orderevent_order_id_seq" to table: "order_events"
CREATE UNIQUE INDEX `orderevent_order_id_seq` ON `order_events` (`order_id`, `seq`);
-- Create index "orderevent_published_at_id" to table: "order_events"
CREATE INDEX `orderevent_published_at_id` ON `order_events` (`published_at`, `id`);
