import { TRPCError } from "@trpc/server";
import { formatPath, parseResourcesYaml, RESOURCE_KINDS, resourceKey, ResourceValidationError, serviceNameSchema, validateResources, type Resource } from "@mesh/shared";
import { z } from "zod";
import { assertMayChange } from "../auth/change-permissions.ts";
import { actorOf } from "../auth/principal.ts";
import { findUnstorableText } from "../input-limits/storable-text.ts";
import { applyChanges, changeOf } from "../resource-store/changes.ts";
import { commitRevision } from "../resource-store/commit-revision.ts";
import { loadResources, loadResourceState } from "../resource-store/documents.ts";
import { resourceWarnings } from "../resource-store/warnings.ts";
import { editorProcedure, router, viewerProcedure } from "../trpc.ts";

const MAX_YAML_BYTES = 1_000_000;

const applyInput = z
  .strictObject({
    yaml: z.string().max(MAX_YAML_BYTES).optional(),
    documents: z.array(z.unknown()).max(1000).optional(),
    dryRun: z.boolean().default(false),
    message: z.string().max(500).optional(),
  })
  .refine((input) => (input.yaml === undefined) !== (input.documents === undefined), { error: "give either yaml or documents, not both" });

const kindSchema = z.enum(RESOURCE_KINDS, { error: `must be one of ${RESOURCE_KINDS.join(", ")}` });

/** Valid resources, or BAD_REQUEST naming each document, field and reason (details in error.data.issues). */
function resourcesFrom(input: { yaml?: string; documents?: unknown[] }): Resource[] {
  try {
    const resources = input.yaml !== undefined ? parseResourcesYaml(input.yaml) : validDocuments(input.documents!);
    rejectUnstorableText(resources);
    return resources;
  } catch (error) {
    if (error instanceof ResourceValidationError) throw new TRPCError({ code: "BAD_REQUEST", message: `invalid resources, nothing was applied:\n${error.message}`, cause: error });
    throw error;
  }
}

function validDocuments(documents: unknown[]): Resource[] {
  const { resources, issues } = validateResources(documents);
  if (resources.length === 0 && issues.length === 0) issues.push({ document: 1, resource: null, field: "(document)", message: "no resources in input" });
  if (issues.length) throw new ResourceValidationError(issues);
  return resources;
}

/** YAML escapes ("\0") can produce text PostgreSQL refuses; every resource is valid here, so index + 1 is its document. */
function rejectUnstorableText(resources: Resource[]): void {
  const issues = resources.flatMap((resource, index) => {
    const found = findUnstorableText(resource);
    return found ? [{ document: index + 1, resource: resourceKey(resource), field: formatPath(found.path), message: found.message }] : [];
  });
  if (issues.length) throw new ResourceValidationError(issues);
}

export const resourcesRouter = router({
  /** Creates or updates every document, all or nothing, as one revision; dryRun only reports the diff. (tRPC reserves the name "apply".) */
  applyDocuments: editorProcedure.input(applyInput).mutation(async ({ ctx, input }) => {
    const resources = resourcesFrom(input);
    const { prisma } = ctx.deps;
    if (input.dryRun) {
      const [current, warnings] = await Promise.all([loadResourceState(prisma), resourceWarnings(prisma, resources)]);
      const changes = applyChanges(current, resources);
      assertMayChange(ctx.operator, changes);
      return { revision: null, changes, warnings };
    }
    const result = await commitRevision(prisma, { actor: actorOf(ctx.operator), operation: "apply", message: input.message }, async (db, current) => {
      const changes = applyChanges(current, resources);
      assertMayChange(ctx.operator, changes);
      return { changes, extra: await resourceWarnings(db, resources) };
    });
    return { revision: result.revision, changes: result.changes, warnings: result.extra };
  }),

  /** Resources of a kind, or the one named (an empty list when it does not exist). */
  get: viewerProcedure
    .input(z.strictObject({ kind: kindSchema, name: serviceNameSchema.optional() }))
    .query(({ ctx, input }) => loadResources(ctx.deps.prisma, input)),

  delete: editorProcedure.input(z.strictObject({ kind: kindSchema, name: serviceNameSchema, message: z.string().max(500).optional() })).mutation(async ({ ctx, input }) => {
    const key = `${input.kind}/${input.name}`;
    const result = await commitRevision(ctx.deps.prisma, { actor: actorOf(ctx.operator), operation: "delete", message: input.message }, async (_db, current) => {
      const before = current.get(key);
      if (!before) throw new TRPCError({ code: "NOT_FOUND", message: `${key} not found` });
      const changes = [changeOf(before, null)];
      assertMayChange(ctx.operator, changes);
      return { changes, extra: null };
    });
    return { revision: result.revision!, changes: result.changes };
  }),
});
