import { defineConfig } from "vitest/config";

// vitest 5's reporter calls Map.groupBy, which Node 20 lacks; without it a failing test crashes the
// reporter and the failure itself is never printed.
if (!("groupBy" in Map)) {
  Object.defineProperty(Map, "groupBy", {
    value<K, V>(items: Iterable<V>, keyOf: (item: V, index: number) => K): Map<K, V[]> {
      const groups = new Map<K, V[]>();
      let index = 0;
      for (const item of items) {
        const key = keyOf(item, index++);
        const group = groups.get(key);
        if (group) group.push(item);
        else groups.set(key, [item]);
      }
      return groups;
    },
  });
}

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "test", "bench"],
  },
});
