CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`endpoint_id` text NOT NULL,
	`message_id` text NOT NULL,
	`event_type` text NOT NULL,
	`attempt` integer NOT NULL,
	`at` integer NOT NULL,
	`status_code` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`outcome` text NOT NULL,
	`next_attempt_at` integer,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_at` ON `webhook_deliveries` (`endpoint_id`,`at`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`description` text,
	`events` text NOT NULL,
	`secret_enc` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `audit_events` ADD `outcome` text DEFAULT 'success' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `client_id` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `actor` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `ip` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `country` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `user_agent` text;--> statement-breakpoint
CREATE INDEX `audit_events_at_id` ON `audit_events` (`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_client_at` ON `audit_events` (`client_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_events_type_at` ON `audit_events` (`type`,`at`);--> statement-breakpoint
ALTER TABLE `clients` ADD `updated_at` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `previous_secret_hash` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `previous_secret_expires_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `roles` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `disabled_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `tokens_valid_after` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `updated_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `last_sign_in_at` integer;--> statement-breakpoint
CREATE INDEX `users_created_id` ON `users` (`created_at`,`id`);