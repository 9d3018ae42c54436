/**
 * The audit vocabulary (docs/events.md lists each type with its detail fields) and the Standard Webhooks event each
 * one is published as, if any.
 */

export const AUDIT_TYPES = [
  "signin.succeeded",
  "signin.failed",
  "passkey.added",
  "passkey.renamed",
  "passkey.removed",
  "passkey.counter_regression",
  "passkey.backup_state_changed",
  "link.requested",
  "link.redeemed",
  "link.expired",
  "session.started",
  "session.ended",
  "code.reused",
  "refresh.reused",
  "token.issued",
  "token.revoked",
  "client.registered",
  "client.updated",
  "client.deleted",
  "client.secret_rotated",
  "client_grant.updated",
  "client_grant.deleted",
  "resource.created",
  "resource.updated",
  "resource.deleted",
  "connection.created",
  "connection.updated",
  "connection.deleted",
  "federation.linked",
  "federation.unlinked",
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "user.data_exported",
  "admin.request",
  "webhook.failing",
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

export const WEBHOOK_EVENT_TYPES = [
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "session.started",
  "session.ended",
  "passkey.added",
  "passkey.removed",
  "federation.linked",
  "federation.unlinked",
  "security.counter_regression",
  "security.refresh_reuse",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The webhook event an audit type is published as; types not listed here are not published. */
export const WEBHOOK_EVENT_OF: Partial<Record<AuditType, WebhookEventType>> = {
  "user.created": "user.created",
  "user.updated": "user.updated",
  "user.disabled": "user.disabled",
  "user.enabled": "user.enabled",
  "user.deleted": "user.deleted",
  "session.started": "session.started",
  "session.ended": "session.ended",
  "passkey.added": "passkey.added",
  "passkey.removed": "passkey.removed",
  "federation.linked": "federation.linked",
  "federation.unlinked": "federation.unlinked",
  "passkey.counter_regression": "security.counter_regression",
  "refresh.reused": "security.refresh_reuse",
};

/**
 * What recording a published event puts on the WEBHOOKS queue: the consumer (src/webhooks/consumer.ts) fans it out
 * to every endpoint subscribed to its type.
 */
export interface WebhookEventMessage {
  kind: "event";
  /** The audit event's id (each endpoint's message id derives from it). */
  eventId: string;
  type: WebhookEventType;
  /** Epoch milliseconds. */
  at: number;
  data: Record<string, unknown>;
}
