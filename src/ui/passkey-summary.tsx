/** One passkey as a list line: its name, then when it was added and last used, and whether it is synced. */
import { formatTime } from "./format";

export interface PasskeySummaryProps {
  name: string;
  /** The authenticator's model when known (AAGUID), shown first. */
  authenticator?: string;
  createdAt: number;
  lastUsedAt: number | null;
  synced: boolean;
}

export function PasskeySummary({ name, authenticator, createdAt, lastUsedAt, synced }: PasskeySummaryProps) {
  return (
    <div>
      <strong>{name}</strong>
      <small>
        {authenticator ? `${authenticator} · added` : "Added"} {formatTime(createdAt)} ·{" "}
        {lastUsedAt ? `last used ${formatTime(lastUsedAt)}` : "never used"}
        {synced ? " · synced" : ""}
      </small>
    </div>
  );
}
