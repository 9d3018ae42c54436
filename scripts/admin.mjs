#!/usr/bin/env node
/**
 * Operator commands against D1 through wrangler (no Worker needed):
 *
 *   npm run admin -- grant <email> [--remote]
 *   npm run admin -- resource <identifier> <name> [--remote]
 *
 * grant: adds "admin" to the roles of the user with that address (the first admin of the console), in the local
 * D1 of `npm run dev` (default) or, with --remote, in the deployed database. The user must exist: sign in once
 * first. One UPDATE statement, so a concurrent change of the roles is not lost.
 *
 * resource: registers a resource server (an API, RFC 8707) with that identifier and name, no scopes and the default
 * token lifetime (the upgrade path from the RESOURCES variable); add scopes and grant clients with the admin API.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { identifierProblem, insertResourceSql, nameProblem } from "./admin-resource.mjs";

const DATABASE = "latchkey";
const USAGE = "usage: npm run admin -- grant <email> [--remote] | resource <identifier> <name> [--remote]";

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** The address as Latchkey stores it for the common case (src/lib/email-address.ts): trimmed, NFC, lower case. */
function normalizeEmail(raw) {
  const email = raw.trim().normalize("NFC").toLowerCase();
  // No quote, backslash, space or control character can reach the SQL text below.
  if (!/^[a-z0-9.!#$%&*+/=?^_`{|}~-]+@[a-z0-9.-]+\.[a-z0-9-]{2,63}$/.test(email)) {
    fail(
      `"${raw}" is not an email address Latchkey stores (ASCII, one @, a domain). An IDN domain: give its xn-- form.`,
    );
  }
  return email;
}

function d1(command, remote) {
  const wrangler = "node_modules/wrangler/bin/wrangler.js";
  const args = [wrangler, "d1", "execute", DATABASE, remote ? "--remote" : "--local", "--json", "--command", command];
  const run = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, CI: "1" } });
  if (run.status !== 0) fail(`wrangler d1 execute failed:\n${run.stderr || run.stdout}`);
  try {
    return JSON.parse(run.stdout)[0]?.results ?? [];
  } catch {
    fail(`unexpected answer from wrangler:\n${run.stdout}`);
  }
}

function grant(rawEmail, remote) {
  const email = normalizeEmail(rawEmail);
  const where = remote ? "remote" : "local";
  const rows = d1(
    `UPDATE users SET
       roles = CASE WHEN EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = 'admin') THEN roles
                    ELSE json_insert(CASE WHEN json_valid(roles) THEN roles ELSE '[]' END, '$[#]', 'admin') END,
       updated_at = ${Date.now()}
     WHERE email = '${email}'
     RETURNING id, roles`,
    remote,
  );
  if (rows.length === 0) {
    fail(`No user with the address ${email} in the ${where} database. Sign in once with it (or create it with
POST /admin/api/users), then run this again.`);
  }
  console.log(`${email} (user ${rows[0].id}) now has the roles ${rows[0].roles} in the ${where} database.`);
}

function resource(identifier, name, remote) {
  const problem = identifierProblem(identifier);
  if (problem) fail(`The identifier ${identifier} ${problem}.`);
  const nameIssue = nameProblem(name);
  if (nameIssue) fail(`The name: ${nameIssue}.`);
  const id = `rs_${randomBytes(12).toString("base64url")}`;
  const rows = d1(insertResourceSql(identifier, name, id, Date.now()), remote);
  const where = remote ? "remote" : "local";
  if (rows.length === 0) fail(`Not registered: the identifier is taken, or there are 500 resources (${where}).`);
  console.log(`Registered ${identifier} as resource ${id} in the ${where} database. Grant clients with
PUT /admin/api/clients/{client_id}/grants/${id}; other isolates see it within 60 seconds.`);
}

const [command, ...rest] = process.argv.slice(2);
const remote = rest.includes("--remote");
const positional = rest.filter((a) => !a.startsWith("--"));
const unknown = rest.filter((a) => a.startsWith("--") && a !== "--remote");
if (unknown.length > 0) fail(`unknown option ${unknown.join(", ")}\n${USAGE}`);
if (command === "grant" && positional.length === 1) grant(positional[0], remote);
else if (command === "resource" && positional.length === 2) resource(positional[0], positional[1], remote);
else fail(USAGE);
