/** The audit log page's query: the filter form's fields, checked, as the admin model's filter. */
import * as v from "valibot";
import { AUDIT_TYPES } from "../../audit/event-types";
import { ApiError } from "../../errors";
import { idParam } from "../api/wire";
import type { EventFilterForm } from "./events-page";

/** What `<input type="datetime-local">` sends (HTML §4.10.5.1.8, seconds optional), read as UTC. */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

function time(value: string, name: string): number | undefined {
  if (value === "") return undefined;
  const ms = LOCAL_DATE_TIME.test(value) ? Date.parse(`${value}Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new ApiError("invalid_request", `"${name}" is not a date and time.`);
  return ms;
}

function id(value: string, name: string): string | undefined {
  if (value === "") return undefined;
  if (!v.is(idParam, value)) throw new ApiError("invalid_request", `"${name}" is not an id.`);
  return value;
}

export function eventFilterForm(query: (name: string) => string | undefined): EventFilterForm {
  const field = (name: string) => (query(name) ?? "").trim();
  return {
    type: field("type"),
    user_id: field("user_id"),
    client_id: field("client_id"),
    since: field("since"),
    until: field("until"),
  };
}

export interface CheckedEventFilter {
  type?: string;
  userId?: string;
  clientId?: string;
  since?: number;
  until?: number;
}

/** The filter for the model; a value that cannot be one (an unknown type, a malformed id or time) is a 400 page. */
export function checkedEventFilter(form: EventFilterForm): CheckedEventFilter {
  if (form.type !== "" && !(AUDIT_TYPES as readonly string[]).includes(form.type)) {
    throw new ApiError("invalid_request", '"type" is not an audit event type.');
  }
  const filter: CheckedEventFilter = {};
  if (form.type !== "") filter.type = form.type;
  const userId = id(form.user_id, "user_id");
  if (userId) filter.userId = userId;
  const clientId = id(form.client_id, "client_id");
  if (clientId) filter.clientId = clientId;
  const since = time(form.since, "since");
  if (since !== undefined) filter.since = since;
  const until = time(form.until, "until");
  if (until !== undefined) filter.until = until;
  return filter;
}
