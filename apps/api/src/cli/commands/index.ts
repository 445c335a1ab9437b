import type { Command } from "../command.ts";
import { applyCommand } from "./apply.ts";
import { checkCommand } from "./check.ts";
import { deleteCommand } from "./delete.ts";
import { getCommand } from "./get.ts";
import { historyCommand } from "./history.ts";
import { joinTokenCommand } from "./join-token.ts";
import { rollbackCommand } from "./rollback.ts";
import { rolloutCommand } from "./rollout.ts";
import { serverCommand } from "./server.ts";
import { statusCommand } from "./status.ts";
import { tokenCommand } from "./token.ts";
import { tracesCommand } from "./traces.ts";

export const COMMANDS: readonly Command[] = [
  serverCommand,
  applyCommand,
  getCommand,
  deleteCommand,
  checkCommand,
  historyCommand,
  rollbackCommand,
  rolloutCommand,
  statusCommand,
  tracesCommand,
  tokenCommand,
  joinTokenCommand,
];
