/** Webhooks: endpoints (list, create with a secret shown once) and one endpoint's delivery attempts. */
import { WEBHOOK_EVENT_TYPES } from "../../audit/event-types";
import type { listDeliveries, WebhookWire } from "../model/webhooks";
import { ConsoleLayout, Csrf } from "./layout";

type DeliveryWire = Awaited<ReturnType<typeof listDeliveries>>["data"][number];

const when = (iso: string | null) => (iso ? `${iso.slice(0, 19).replace("T", " ")} UTC` : "—");

export function WebhooksPage(props: { csrf: string; webhooks: WebhookWire[]; next: string | null }) {
  return (
    <ConsoleLayout title="Webhooks" section="webhooks" csrf={props.csrf}>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Webhook endpoints, newest first</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {props.webhooks.map((w) => (
              <tr>
                <td>
                  <a href={`/admin/webhooks/${encodeURIComponent(w.id)}`}>{w.url}</a>
                  {w.description ? <small>{w.description}</small> : null}
                </td>
                <td>{w.events.join(", ")}</td>
                <td>{w.status}</td>
                <td>{when(w.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.webhooks.length === 0 ? <p>No webhook endpoints yet.</p> : null}
      {props.next ? (
        <p>
          <a href={props.next}>Next page</a>
        </p>
      ) : null}

      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Add an endpoint</h2>
        <form method="post" action="/admin/webhooks">
          <Csrf token={props.csrf} />
          <label for="webhook-url">URL</label>
          <input id="webhook-url" name="url" type="url" maxlength={2048} required />
          <label for="webhook-description">Description (optional)</label>
          <input id="webhook-description" name="description" maxlength={200} />
          <fieldset>
            <legend>Events</legend>
            {WEBHOOK_EVENT_TYPES.map((t) => (
              <label class="check">
                <input type="checkbox" name={`event:${t}`} value="on" /> {t}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary">
            Add endpoint
          </button>
        </form>
      </section>
    </ConsoleLayout>
  );
}

export function WebhookCreatedPage(props: { csrf: string; webhook: WebhookWire; secret: string }) {
  return (
    <ConsoleLayout title="Endpoint added" section="webhooks" csrf={props.csrf}>
      <dl class="facts">
        <dt>URL</dt>
        <dd>{props.webhook.url}</dd>
        <dt>Signing secret</dt>
        <dd class="secret">{props.secret}</dd>
      </dl>
      <p class="notice">Copy the signing secret now: it is shown only this once.</p>
      <p>
        <a href={`/admin/webhooks/${encodeURIComponent(props.webhook.id)}`}>See its deliveries</a>
      </p>
    </ConsoleLayout>
  );
}

export interface WebhookPageProps {
  csrf: string;
  webhook: WebhookWire;
  deliveries: DeliveryWire[];
  next: string | null;
  notice?: string | undefined;
}

export function WebhookPage({ csrf, webhook, deliveries, next, notice }: WebhookPageProps) {
  return (
    <ConsoleLayout title={webhook.url} section="webhooks" csrf={csrf} notice={notice}>
      <dl class="facts">
        <dt>Events</dt>
        <dd>{webhook.events.join(", ")}</dd>
        <dt>Status</dt>
        <dd>{webhook.status}</dd>
        <dt>Description</dt>
        <dd>{webhook.description ?? "—"}</dd>
      </dl>
      <form method="post" action={`/admin/webhooks/${encodeURIComponent(webhook.id)}/test`}>
        <Csrf token={csrf} />
        <button type="submit">Send a test event</button>
      </form>
      <h2>Deliveries</h2>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Delivery attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Attempt</th>
              <th scope="col">Outcome</th>
              <th scope="col">Status code</th>
              <th scope="col">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr>
                <td>{when(d.at)}</td>
                <td>{d.event_type}</td>
                <td>{d.attempt}</td>
                <td>{d.outcome}</td>
                <td>{d.status_code ?? "—"}</td>
                <td>{d.duration_ms} ms</td>
                <td>{d.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {deliveries.length === 0 ? <p>No delivery attempts yet.</p> : null}
      {next ? (
        <p>
          <a href={next}>Older attempts</a>
        </p>
      ) : null}
    </ConsoleLayout>
  );
}
