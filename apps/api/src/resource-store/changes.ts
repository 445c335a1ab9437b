import { resourceKey, type Resource, type ResourceKind } from "@mesh/shared";
import { normalizeDocument, sameDocument, type ResourceState } from "./documents.ts";

export type ChangeAction = "create" | "update" | "delete" | "unchanged";

export interface ResourceChange {
  kind: ResourceKind;
  name: string;
  action: ChangeAction;
  before: Resource | null;
  after: Resource | null;
}

export function changeOf(before: Resource | null, after: Resource | null): ResourceChange {
  const subject = (after ?? before)!;
  const action: ChangeAction = sameDocument(before, after) ? "unchanged" : before === null ? "create" : after === null ? "delete" : "update";
  return { kind: subject.kind, name: subject.metadata.name, action, before: before && normalizeDocument(before), after: after && normalizeDocument(after) };
}

/** What applying `desired` does to `current`: each submitted document created, updated or unchanged. Nothing else is touched. */
export function applyChanges(current: ResourceState, desired: readonly Resource[]): ResourceChange[] {
  return desired.map((resource) => changeOf(current.get(resourceKey(resource)) ?? null, resource));
}

/** What turns `current` into exactly `target`: creates, updates and deletes; unchanged resources are left out. */
export function restoreChanges(current: ResourceState, target: ResourceState): ResourceChange[] {
  const keys = [...new Set([...current.keys(), ...target.keys()])].sort();
  return keys.map((key) => changeOf(current.get(key) ?? null, target.get(key) ?? null)).filter((c) => c.action !== "unchanged");
}
