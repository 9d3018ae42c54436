/** The users table: search by email prefix, one page at a time (cursor paging). */
import type { UserWire } from "../model/users";
import { ConsoleLayout } from "./layout";

export interface UsersPageProps {
  csrf: string;
  email: string;
  users: UserWire[];
  /** The next page's address, or null on the last page. */
  next: string | null;
  notice?: string | undefined;
}

export function UsersPage({ csrf, email, users, next, notice }: UsersPageProps) {
  return (
    <ConsoleLayout title="Users" section="users" csrf={csrf} notice={notice}>
      <form method="get" action="/admin/users" class="filters" aria-label="Search users">
        <div>
          <label for="email-prefix">Email starts with</label>
          <input id="email-prefix" name="email" type="search" value={email} maxlength={320} autocomplete="off" />
        </div>
        <button type="submit">Search</button>
      </form>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Users, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr>
                <td>
                  <a href={`/admin/users/${encodeURIComponent(u.id)}`}>{u.email}</a>
                </td>
                <td>{u.name ?? ""}</td>
                <td>{u.roles.join(", ")}</td>
                <td>{u.disabled ? "Disabled" : u.email_verified ? "Active" : "Email not verified"}</td>
                <td>{u.created_at.slice(0, 16).replace("T", " ")} UTC</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {users.length === 0 ? <p>No users match.</p> : null}
      {next ? (
        <p>
          <a href={next}>Next page</a>
        </p>
      ) : null}
    </ConsoleLayout>
  );
}
