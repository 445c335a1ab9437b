import { describeIssue, type ResourceIssue } from "@mesh/shared";

/** Validation problems, each naming the document, field and reason. */
export function IssueList({ issues }: { issues: ResourceIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <div className="notice error" role="alert" data-testid="issues">
      {issues.length === 1 ? "This cannot be applied:" : `${issues.length} problems; nothing can be applied until they are fixed:`}
      <ul className="issues">
        {issues.map((issue, index) => (
          <li key={index}>{describeIssue(issue)}</li>
        ))}
      </ul>
    </div>
  );
}

/** The API's validation issues from a failed mutation, when it sent them. */
export function issuesOf(error: unknown): ResourceIssue[] {
  const issues = (error as { data?: { issues?: ResourceIssue[] | null } } | null)?.data?.issues;
  return Array.isArray(issues) ? issues : [];
}
