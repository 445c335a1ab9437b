"use client";
import { DEFAULT_MESH_CONFIG, type MeshConfigSpec } from "@mesh/shared";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc/trpc.ts";

/** The mesh's MeshConfig spec; the defaults while there is none. */
export function useMeshConfig(): MeshConfigSpec {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.resources.get.queryOptions({ kind: "MeshConfig" }));
  const config = data?.find((r) => r.kind === "MeshConfig");
  return config?.kind === "MeshConfig" ? config.spec : DEFAULT_MESH_CONFIG;
}
