/** A federation connection's id: a slug in URLs (/auth/federation/<id>/start), client metadata and the admin API. */
export const CONNECTION_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
