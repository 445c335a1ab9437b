export * from "./database.ts";
export * from "./ports.ts";
export * from "./wait-for.ts";
export * from "./processes.ts";
export * from "./netns.ts";
export * from "./requirements.ts";
