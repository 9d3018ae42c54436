/** The audit log: filters (type, user, client, time range) over the newest-first event list, one page at a time. */
import { AUDIT_TYPES } from "../../audit/event-types";
import { ConsoleLayout } from "./layout";

/** What the page shows of an event (the admin model's wire shape). */
export interface EventRowView {
  id: string;
  time: string;
  type: string;
  outcome: string;
  user_id: string | null;
  client_id: string | null;
  actor: string | null;
  country: string | null;
  detail: Record<string, unknown>;
}

/** The filter as the form holds it (strings as typed; since/until are UTC `datetime-local` values). */
export interface EventFilterForm {
  type: string;
  user_id: string;
  client_id: string;
  since: string;
  until: string;
}

export interface EventsPageProps {
  csrf: string;
  filter: EventFilterForm;
  events: EventRowView[];
  next: string | null;
}

function TextFilter({ name, label, value }: { name: keyof EventFilterForm; label: string; value: string }) {
  return (
    <div>
      <label for={`filter-${name}`}>{label}</label>
      <input id={`filter-${name}`} name={name} value={value} maxlength={128} autocomplete="off" />
    </div>
  );
}

function TimeFilter({ name, label, value }: { name: "since" | "until"; label: string; value: string }) {
  return (
    <div>
      <label for={`filter-${name}`}>{label}</label>
      <input id={`filter-${name}`} name={name} type="datetime-local" value={value} />
    </div>
  );
}

/** Events as a table (the audit log, and a user's recent events on their page). */
export function EventsTable({ events, caption }: { events: EventRowView[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Type</th>
            <th scope="col">Outcome</th>
            <th scope="col">User</th>
            <th scope="col">Client</th>
            <th scope="col">Actor</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr>
              <td>{e.time.slice(0, 19).replace("T", " ")}</td>
              <td>{e.type}</td>
              <td>{e.outcome}</td>
              <td>{e.user_id ? <a href={`/admin/users/${encodeURIComponent(e.user_id)}`}>{e.user_id}</a> : "—"}</td>
              <td>{e.client_id ? <code>{e.client_id}</code> : "—"}</td>
              <td>{e.actor ?? "—"}</td>
              <td>
                <code>{JSON.stringify(e.detail)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventsPage({ csrf, filter, events, next }: EventsPageProps) {
  return (
    <ConsoleLayout title="Audit log" section="events" csrf={csrf}>
      <form method="get" action="/admin/events" class="filters" aria-label="Filter events">
        <div>
          <label for="filter-type">Type</label>
          <select id="filter-type" name="type">
            <option value="" selected={filter.type === ""}>
              Any type
            </option>
            {AUDIT_TYPES.map((t) => (
              <option value={t} selected={filter.type === t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <TextFilter name="user_id" label="User id" value={filter.user_id} />
        <TextFilter name="client_id" label="Client id" value={filter.client_id} />
        <TimeFilter name="since" label="Since (UTC)" value={filter.since} />
        <TimeFilter name="until" label="Until (UTC)" value={filter.until} />
        <button type="submit">Filter</button>
      </form>
      <EventsTable events={events} caption="Audit events, newest first" />
      {events.length === 0 ? <p>No events match.</p> : null}
      {next ? (
        <p>
          <a href={next}>Older events</a>
        </p>
      ) : null}
    </ConsoleLayout>
  );
}
