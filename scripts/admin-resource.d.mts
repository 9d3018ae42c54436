/** Types of scripts/admin-resource.mjs (imported by its test). */
export function identifierProblem(identifier: string): string | null;
export function nameProblem(name: string): string | null;
export function insertResourceSql(identifier: string, name: string, id: string, now: number): string;
