import { parseAllDocuments } from "yaml";
import { resourceSchema, type Resource, RESOURCE_KINDS } from "./resources.ts";
import { issuesFromZod, ResourceValidationError, type ResourceIssue } from "./validation-error.ts";

const MAX_DOCUMENTS = 1000;

/** Validates already-parsed objects (documents of a YAML file, or a JSON body). */
export function validateResources(documents: unknown[]): { resources: Resource[]; issues: ResourceIssue[] } {
  const resources: Resource[] = [];
  const issues: ResourceIssue[] = [];
  const seen = new Map<string, number>();
  documents.forEach((doc, index) => {
    const position = index + 1;
    const label = describeDocument(doc);
    const parsed = resourceSchema.safeParse(doc);
    if (!parsed.success) {
      issues.push(...issuesFromZod(parsed.error, position, label));
      return;
    }
    const key = `${parsed.data.kind}/${parsed.data.metadata.name}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.push({ document: position, resource: key, field: "metadata.name", message: `${key} is also defined in document ${earlier}` });
      return;
    }
    seen.set(key, position);
    resources.push(parsed.data);
  });
  return { resources, issues };
}

/** Parses a multi-document YAML text into resources; throws ResourceValidationError naming every problem. */
export function parseResourcesYaml(text: string): Resource[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new ResourceValidationError([{ document: 1, resource: null, field: "(document)", message: "not a YAML document" }]);
  const nonEmpty = docs.filter((doc) => doc.contents !== null || doc.errors.length > 0);
  if (nonEmpty.length > MAX_DOCUMENTS) {
    throw new ResourceValidationError([{ document: MAX_DOCUMENTS + 1, resource: null, field: "(document)", message: `more than ${MAX_DOCUMENTS} documents` }]);
  }
  const syntaxIssues: ResourceIssue[] = [];
  const values = nonEmpty.map((doc, index) => {
    for (const error of doc.errors) {
      const line = error.linePos?.[0]?.line;
      syntaxIssues.push({ document: index + 1, resource: null, field: line ? `line ${line}` : "(document)", message: `invalid YAML: ${error.message.split("\n")[0]}` });
    }
    if (doc.errors.length) return undefined;
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // toJS throws on an alias bomb ("billion laughs") instead of listing it among doc.errors.
      syntaxIssues.push({ document: index + 1, resource: null, field: "(document)", message: `invalid YAML: ${(error as Error).message}` });
      return undefined;
    }
  });
  if (syntaxIssues.length) throw new ResourceValidationError(syntaxIssues);
  if (values.length === 0) throw new ResourceValidationError([{ document: 1, resource: null, field: "(document)", message: "no resources in input" }]);
  const { resources, issues } = validateResources(values);
  if (issues.length) throw new ResourceValidationError(issues);
  return resources;
}

function describeDocument(doc: unknown): string | null {
  if (typeof doc !== "object" || doc === null) return null;
  const { kind, metadata } = doc as { kind?: unknown; metadata?: { name?: unknown } };
  const kindText = typeof kind === "string" && (RESOURCE_KINDS as readonly string[]).includes(kind) ? kind : null;
  const name = typeof metadata?.name === "string" ? metadata.name : null;
  if (kindText && name) return `${kindText}/${name}`;
  return kindText;
}
