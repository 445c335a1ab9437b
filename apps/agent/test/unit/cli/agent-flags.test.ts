import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlagError, parseAgentFlags } from "../../../src/cli/agent-flags.ts";

const base = ["--service", "reviews", "--version", "v1", "--app-port", "9080"];

describe("mesh-agent flags", () => {
  it("applies the documented defaults", () => {
    const flags = parseAgentFlags(base, {});
    expect(flags).toMatchObject({
      service: "reviews",
      version: "v1",
      appPort: 9080,
      inboundPort: 15006,
      outboundPort: 15001,
      adminPort: 15000,
      controlPlane: "http://127.0.0.1:4000",
      joinToken: null,
    });
    expect(flags.advertiseAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("takes the control plane and join token from the environment unless flags say otherwise", async () => {
    const env = { MESH_CONTROL_PLANE: "http://cp:4000", MESH_JOIN_TOKEN: "mesh_join_env" };
    expect(parseAgentFlags(base, env)).toMatchObject({ controlPlane: "http://cp:4000", joinToken: "mesh_join_env" });
    const dir = await mkdtemp(path.join(tmpdir(), "agent-flags-"));
    try {
      const file = path.join(dir, "join-token");
      await writeFile(file, "mesh_join_file\n", { mode: 0o600 });
      expect(parseAgentFlags([...base, "--join-token-file", file, "--control-plane", "http://x:1"], env)).toMatchObject({
        controlPlane: "http://x:1",
        joinToken: "mesh_join_file",
      });
      await writeFile(file, "  \n");
      expect(() => parseAgentFlags([...base, "--join-token-file", file], env)).toThrow(`--join-token-file "${file}" is empty; it must hold the join token`);
      expect(() => parseAgentFlags([...base, "--join-token-file", path.join(dir, "absent")], env)).toThrow(/--join-token-file ".*absent" cannot be read: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a join token on the command line, where every user of the host can read it, and says what to use", () => {
    const attempt = () => parseAgentFlags([...base, "--join-token", "mesh_join_flag"], { MESH_JOIN_TOKEN: "mesh_join_env" });
    expect(attempt).toThrow(FlagError);
    expect(attempt).toThrow(/--join-token is refused: a token on the command line is readable by every user of this host \(ps, \/proc\/PID\/cmdline\)/);
    expect(attempt).toThrow(/pass --join-token-file FILE, or set MESH_JOIN_TOKEN/);
  });

  it("names every problem at once", () => {
    const attempt = () => parseAgentFlags(["--service", "Bad_Name", "--app-port", "99999", "--admin-port", "15001"], {});
    expect(attempt).toThrow(FlagError);
    expect(attempt).toThrow(/--service "Bad_Name" must be lowercase/);
    expect(attempt).toThrow(/--version is required/);
    expect(attempt).toThrow(/--app-port "99999" must be a port number from 1 to 65535/);
    expect(attempt).toThrow(/--admin-port and --outbound-port are both 15001/);
  });

  it("rejects unknown flags and non-URL control planes", () => {
    expect(() => parseAgentFlags([...base, "--colour", "red"], {})).toThrow(/Unknown option '--colour'/);
    expect(() => parseAgentFlags([...base, "--control-plane", "cp:4000"], {})).toThrow(/--control-plane "cp:4000" must be an http\(s\) URL/);
  });
});
