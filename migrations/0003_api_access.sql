CREATE TABLE `client_grants` (
	`client_id` text NOT NULL,
	`resource_id` text NOT NULL,
	`scopes` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `resource_id`),
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `client_grants_resource` ON `client_grants` (`resource_id`);--> statement-breakpoint
CREATE TABLE `resource_servers` (
	`id` text PRIMARY KEY NOT NULL,
	`identifier` text NOT NULL,
	`name` text NOT NULL,
	`scopes` text DEFAULT '[]' NOT NULL,
	`access_token_ttl_seconds` integer,
	`introspection_clients` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resource_servers_identifier_unique` ON `resource_servers` (`identifier`);--> statement-breakpoint
ALTER TABLE `clients` ADD `jwks` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `jwks_uri` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `token_endpoint_auth_signing_alg` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `secret_enc` text;