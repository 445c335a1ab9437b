import type { z } from "zod";

/** One problem in one document, phrased so a person can fix it. */
export interface ResourceIssue {
  /** 1-based position of the document in the file or request. */
  document: number;
  /** "TrafficPolicy/reviews" when the document got that far, else null. */
  resource: string | null;
  /** "spec.routes[1].backends" */
  field: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(document)";
}

export function issuesFromZod(error: z.ZodError, document: number, resource: string | null): ResourceIssue[] {
  return error.issues.map((issue) => ({ document, resource, field: formatPath(issue.path), message: issue.message }));
}

export function describeIssue(issue: ResourceIssue): string {
  const where = issue.resource ? `document ${issue.document} (${issue.resource})` : `document ${issue.document}`;
  return `${where}: ${issue.field}: ${issue.message}`;
}

/** Thrown when input is invalid; nothing has been written when it is. */
export class ResourceValidationError extends Error {
  constructor(readonly issues: ResourceIssue[]) {
    super(issues.map(describeIssue).join("\n"));
    this.name = "ResourceValidationError";
  }
}
