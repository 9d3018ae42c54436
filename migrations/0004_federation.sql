CREATE TABLE `connections` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`type` text NOT NULL,
	`preset` text,
	`issuer` text,
	`client_id` text NOT NULL,
	`client_secret_enc` text,
	`scopes` text DEFAULT '[]' NOT NULL,
	`trust_email_verified` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`apple_team_id` text,
	`apple_key_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `federated_identities` (
	`connection_id` text NOT NULL,
	`subject` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text,
	`email_verified` integer DEFAULT false NOT NULL,
	`name` text,
	`created_at` integer NOT NULL,
	`last_sign_in_at` integer NOT NULL,
	PRIMARY KEY(`connection_id`, `subject`),
	FOREIGN KEY (`connection_id`) REFERENCES `connections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `federated_identities_user` ON `federated_identities` (`user_id`);