/**
 * `npm run admin -- resource <identifier> <name>`: the argument rules and the SQL (pure, no Node imports, so the
 * Workers tests import it). The rules are those of POST /admin/api/resources (src/admin/model/resource-rules.ts),
 * except the ones that need the deployment: the identifier must not be the issuer (the script does not know it).
 */

/** At most as many resources as the registry reads (src/db/resources.ts MAX_RESOURCE_SERVERS). */
const MAX_RESOURCE_SERVERS = 500;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why `identifier` cannot name a resource, or null. */
export function identifierProblem(identifier) {
  if (identifier.length > 2000) return "at most 2000 characters";
  if (!/^[\x21-\x7E]+$/.test(identifier)) return "an absolute URI of printable ASCII characters, without spaces";
  // RFC 8707 §2: an absolute URI without a fragment.
  if (identifier.includes("#")) return "must not have a fragment (RFC 8707 §2)";
  let url;
  try {
    url = new URL(identifier);
  } catch {
    return "must be an absolute URI (RFC 8707 §2)";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) {
    return "must be an https URI (http only on a loopback host)";
  }
  return null;
}

/** Why `name` cannot be a resource's name, or null. */
export function nameProblem(name) {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) return "a name of 1 to 200 characters";
  if (/[\p{Cc}]/u.test(trimmed)) return "no control characters";
  return null;
}

/** A SQL string literal (single quotes doubled; the rules above leave no control character to worry about). */
function literal(text) {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The statement that registers the resource, with no scopes and the default token lifetime: inserts nothing when
 * the identifier is taken or the registry is full; RETURNING says which.
 */
export function insertResourceSql(identifier, name, id, now) {
  const problem = identifierProblem(identifier) ?? nameProblem(name);
  if (problem) throw new TypeError(problem);
  if (!/^rs_[A-Za-z0-9_-]{16}$/.test(id)) throw new TypeError("id must be rs_ and 16 base64url characters");
  return `INSERT INTO resource_servers (id, identifier, name, scopes, access_token_ttl_seconds, introspection_clients, created_at, updated_at)
    SELECT ${literal(id)}, ${literal(identifier)}, ${literal(name.trim())}, '[]', NULL, '[]', ${Math.floor(now)}, ${Math.floor(now)}
    WHERE (SELECT count(*) FROM resource_servers) < ${MAX_RESOURCE_SERVERS}
    ON CONFLICT(identifier) DO NOTHING
    RETURNING id`;
}
