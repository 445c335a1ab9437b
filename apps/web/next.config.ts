import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  transpilePackages: ["@mesh/shared"],
  // /trpc is forwarded by src/app/trpc/[...path]/route.ts, which reads MESH_API_URL at run time:
  // next.config rewrites are frozen into the build, and tests start the API on a free port.
  poweredByHeader: false,
};

export default config;
